import { context } from '../testing/job.fixtures';
import { deciderSpec } from '../testing/decider-spec';
import type { PlaceCommand, PlaceCommandType } from './place.commands';
import { placeDecider } from './place.decider';
import type { PlaceErrorCode } from './place.errors';
import { type PlaceDomainEvent, placeEventNames, type PlaceFamily } from './place.state';

const site = deciderSpec(placeDecider('site'));
const geofence = deciderSpec(placeDecider('geofence'));
const cmd = (type: PlaceCommand['type'], data: object = {}) => ({ type, data, context: context() }) as PlaceCommand<'site'>;

const bakery = { name: 'Bakery', address: 'Torstr. 1', location: { lat: 52.5, lon: 13.4 } };
const created: PlaceDomainEvent = { type: 'site.created', data: bakery };
const archived: PlaceDomainEvent = { type: 'site.archived', data: {} };

// Every place command in every place state, for each of the three families (their events differ only
// by name): 3 families × 3 states × 3 commands.

const samples: Record<PlaceFamily, { created: object; update: object }> = {
  customer: { created: { name: 'Bäckerei Kunz', email: 'info@kunz.example' }, update: { phone: '+49 30 1234' } },
  site: { created: created.data, update: { address: 'Torstr. 2' } },
  geofence: { created: { name: 'Yard', shape: { kind: 'circle', center: { lat: 52.5, lon: 13.4 }, radiusM: 150 } }, update: { name: 'Back yard' } },
};

const placeEvent = (family: PlaceFamily, fact: 'created' | 'updated' | 'retired', data: object) =>
  ({ type: placeEventNames[family][fact], data }) as PlaceDomainEvent;

const histories = (family: PlaceFamily) => ({
  initial: [],
  active: [placeEvent(family, 'created', samples[family].created)],
  retired: [placeEvent(family, 'created', samples[family].created), placeEvent(family, 'retired', {})],
});
type History = keyof ReturnType<typeof histories>;

const commands = (family: PlaceFamily): Record<PlaceCommandType, PlaceCommand> => ({
  CreatePlace: { type: 'CreatePlace', data: samples[family].created, context: context() } as PlaceCommand,
  UpdatePlace: { type: 'UpdatePlace', data: samples[family].update, context: context() } as PlaceCommand,
  RetirePlace: { type: 'RetirePlace', data: {}, context: context() },
});

const valid = (family: PlaceFamily): Record<History, Partial<Record<PlaceCommandType, PlaceDomainEvent[]>>> => ({
  initial: { CreatePlace: [placeEvent(family, 'created', samples[family].created)] },
  active: {
    UpdatePlace: [placeEvent(family, 'updated', samples[family].update)],
    RetirePlace: [placeEvent(family, 'retired', {})],
  },
  retired: {},
});

const refusal = (state: History, type: PlaceCommandType): PlaceErrorCode => {
  if (type === 'CreatePlace') return 'PLACE_ALREADY_EXISTS';
  return state === 'initial' ? 'PLACE_NOT_FOUND' : 'PLACE_RETIRED';
};

const cells = (['customer', 'site', 'geofence'] as const).flatMap((family) =>
  (['initial', 'active', 'retired'] as const).flatMap((state) =>
    (Object.keys(commands(family)) as PlaceCommandType[]).map((type) => ({ family, state, type, events: valid(family)[state][type] })),
  ),
);

describe('place: every command in every state, for every family', () => {
  const allowed = cells.filter((c) => c.events !== undefined);
  const refused = cells.filter((c) => c.events === undefined);

  it('covers 27 cells', () => {
    expect(cells).toHaveLength(3 * 3 * 3);
    expect(allowed).toHaveLength(3 * (1 + 2 + 0));
  });

  it.each(allowed)('$family $state: $type is accepted', ({ family, state, type, events }) => {
    deciderSpec(placeDecider(family)).given(histories(family)[state]).when(commands(family)[type]).then(events!);
  });

  it.each(refused.map((c) => ({ ...c, code: refusal(c.state, c.type) })))('$family $state: $type is refused with $code', ({ family, state, type, code }) => {
    deciderSpec(placeDecider(family)).given(histories(family)[state]).when(commands(family)[type]).thenThrows({ code, message: family });
  });
});

describe('place rules', () => {
  it('creates, updates only what changed, retires', () => {
    site.given([]).when(cmd('CreatePlace', created.data)).then([created]);
    site.given([created]).when(cmd('UpdatePlace', { name: 'Bakery', address: 'Torstr. 2' })).then([{ type: 'site.updated', data: { address: 'Torstr. 2' } }]);
    site.given([created]).when(cmd('UpdatePlace', { name: 'Bakery' })).thenNothing();
    site.given([created]).when(cmd('RetirePlace')).then([archived]);
  });

  it('keeps what an update leaves out, and forgets the data once retired', () => {
    const updated: PlaceDomainEvent = { type: 'site.updated', data: { address: 'Torstr. 2' } };
    site.given([created]).when(cmd('UpdatePlace', { address: 'Torstr. 2' })).thenState({ status: 'active', data: { ...bakery, address: 'Torstr. 2' } });
    site.given([created, updated]).when(cmd('RetirePlace')).thenState({ status: 'retired' });
  });

  it('names the retirement in the message the family’s own way', () => {
    site.given([created, archived]).when(cmd('RetirePlace')).thenThrows({ code: 'PLACE_RETIRED', kind: 'illegal_state', message: 'site was archived' });
    const fence = histories('geofence').retired;
    geofence.given(fence).when(commands('geofence').RetirePlace as PlaceCommand<'geofence'>).thenThrows({ code: 'PLACE_RETIRED', message: 'geofence was deleted' });
  });

  it('ignores another family’s events (a corrupt stream) rather than failing', () => {
    site.given([placeEvent('customer', 'created', samples.customer.created)]).when(cmd('CreatePlace', created.data)).then([created]);
  });

  it.each([
    ['create twice', [created], cmd('CreatePlace', created.data), 'PLACE_ALREADY_EXISTS'],
    ['update an unknown one', [], cmd('UpdatePlace', { name: 'x' }), 'PLACE_NOT_FOUND'],
    ['update a retired one', [created, archived], cmd('UpdatePlace', { name: 'x' }), 'PLACE_RETIRED'],
    ['retire twice', [created, archived], cmd('RetirePlace'), 'PLACE_RETIRED'],
    ['create with latitude 91', [], cmd('CreatePlace', { name: 'x', address: 'y', location: { lat: 91, lon: 0 } }), 'INVALID_INPUT'],
  ] as const)('refuses to %s', (_name, given, command, code) => {
    site.given(given as unknown as PlaceDomainEvent[]).when(command).thenThrows({ code });
  });

  it('names the geofence events its own way, and refuses a two-point polygon', () => {
    const shape = { kind: 'polygon', points: [{ lat: 1, lon: 1 }, { lat: 2, lon: 2 }, { lat: 1, lon: 2 }] };
    const fence = { type: 'CreatePlace', data: { name: 'Yard', shape }, context: context() } as PlaceCommand<'geofence'>;
    geofence.given([]).when(fence).then([{ type: 'geofence.created', data: { name: 'Yard', shape } }] as PlaceDomainEvent[]);
    geofence.given([{ type: 'geofence.created', data: { name: 'Yard', shape } } as PlaceDomainEvent]).when({ ...fence, type: 'RetirePlace', data: {} } as PlaceCommand<'geofence'>).then([{ type: 'geofence.deleted', data: {} }]);
    geofence.given([]).when({ ...fence, data: { name: 'Bad', shape: { kind: 'polygon', points: shape.points.slice(0, 2) } } } as PlaceCommand<'geofence'>).thenThrows({ code: 'INVALID_INPUT' });
  });
});
