import assert from 'node:assert/strict';
import { type Decider, fold } from '../shared/decider';
import { DomainError, type DomainErrorKind } from '../shared/domain-error';

// Plain node:assert, not Jest globals: this file is in src/ and must compile without test typings.

/** Events are stored as JSON; compare them as JSON so an absent field and `undefined` are the same. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

export interface ExpectedError {
  code: string;
  kind?: DomainErrorKind;
  /** A fragment the message must contain. */
  message?: string | RegExp;
}

/**
 * given(events).when(command).then(events) — or .thenThrows({ code }), .thenNothing(), .thenState(state).
 *
 *   const spec = deciderSpec(jobDecider);
 *   spec.given([created]).when(assign('tech-1')).then([{ type: 'job.assigned', data: { technicianId: 'tech-1' } }]);
 */
export function deciderSpec<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return {
    given: (events: readonly Event[]) => ({
      when: (command: Command) => {
        const state = fold(decider, events);
        const decide = () => decider.decide(command, state);
        return {
          then(expected: readonly Event[]): void {
            const actual = decide();
            fold(decider, actual, state); // every decided event must evolve without throwing
            assert.deepStrictEqual(asJson(actual), asJson(expected));
          },
          thenNothing(): void {
            assert.deepStrictEqual(asJson(decide()), []);
          },
          /** The state after the given events and what the command decided. */
          thenState(expected: State): void {
            assert.deepStrictEqual(asJson(fold(decider, decide(), state)), asJson(expected));
          },
          thenThrows(expected: ExpectedError): void {
            let produced: Event[];
            try {
              produced = decide();
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              assert.deepStrictEqual(
                { code: error.code, ...(expected.kind ? { kind: error.kind } : {}) },
                { code: expected.code, ...(expected.kind ? { kind: expected.kind } : {}) },
                `expected ${expected.code}, got ${error.code}: ${error.message}`,
              );
              if (expected.message !== undefined) assert.match(error.message, toRegExp(expected.message));
              return;
            }
            assert.fail(`expected ${expected.code}, but decided ${JSON.stringify(produced)}`);
          },
        };
      },
    }),
  };
}

const toRegExp = (m: string | RegExp) => (typeof m === 'string' ? new RegExp(m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : m);
