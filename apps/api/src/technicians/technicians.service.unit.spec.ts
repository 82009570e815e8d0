import { CommandHandler, InMemoryEventStore } from '#libs/event-store';
import { ShiftedClock } from '#libs/platform';
import type { Principal } from '../auth/principal';
import { toProblem } from '../common/api-problems';
import { InMemoryTechniciansRepository } from './in-memory-technicians.repository';
import { TechniciansService } from './technicians.service';

// Technicians on the in-memory event store and read model (on PostgreSQL: apps/api/test/technicians.e2e.spec.ts).

const dispatcher: Principal = { tenantId: 'acme', kind: 'user', id: 'u-disp', role: 'dispatcher' };
const asTechnician = (technicianId: string): Principal => ({ tenantId: 'acme', kind: 'user', id: `u-${technicianId}`, role: 'technician', technicianId });
const MIDNIGHT = new Date('2027-01-01T00:00:00.000Z');

let repository: InMemoryTechniciansRepository;
let service: TechniciansService;
beforeEach(() => {
  const store = new InMemoryEventStore();
  repository = new InMemoryTechniciansRepository();
  service = new TechniciansService(new ShiftedClock(MIDNIGHT), new CommandHandler(store), repository);
});

it('registers a technician and keeps the view in step with their commands', async () => {
  const registered = await service.register({ principal: dispatcher }, { technicianId: 'tech-1', name: 'Ada', skills: ['HVAC'], homeBase: { lat: 52.5, lon: 13.4 } });
  expect(registered).toMatchObject({ id: 'tech-1', version: 1, name: 'Ada', status: 'off_shift', available: false, homeBase: { lat: 52.5, lon: 13.4 } });
  expect(Date.parse(registered.updatedAt) - MIDNIGHT.getTime()).toBeLessThan(5_000); // the clock's time, not the machine's
  const onShift = await service.execute({ principal: asTechnician('tech-1') }, 'tech-1', 'StartShift', {});
  expect(onShift).toMatchObject({ version: 3, status: 'on_shift', available: true }); // shift started, then available
  expect(await service.get(dispatcher, 'tech-1')).toEqual(onShift);
});

it('a technician runs their own shift only; another’s is not found, and nothing is appended', async () => {
  await service.register({ principal: dispatcher }, { technicianId: 'tech-1', name: 'Ada' });
  await service.register({ principal: dispatcher }, { technicianId: 'tech-2', name: 'Bo' });
  const refused = await service.execute({ principal: asTechnician('tech-1') }, 'tech-2', 'StartShift', {}).catch((e: unknown) => e);
  expect(toProblem(refused).problem).toMatchObject({ status: 404, code: 'TECHNICIAN_NOT_FOUND' });
  expect((await service.get(dispatcher, 'tech-2')).status).toBe('off_shift');
  await expect(service.get(dispatcher, 'tech-9')).rejects.toMatchObject({ code: 'TECHNICIAN_NOT_FOUND' });
});

it('lists by name with the status, availability, skill and name filters', async () => {
  for (const [id, name, skills] of [['t1', 'Carla', ['hvac']], ['t2', 'ada', ['plumbing']], ['t3', 'Bert', ['hvac', 'plumbing']]] as const) {
    await service.register({ principal: dispatcher }, { technicianId: id, name, skills: [...skills] });
  }
  await service.execute({ principal: dispatcher }, 't3', 'StartShift', {});
  const names = async (query: object) => (await service.list(dispatcher, query)).items.map((t) => t.name);
  expect(await names({})).toEqual(['ada', 'Bert', 'Carla']);
  expect(await names({ skill: ' HVAC ' })).toEqual(['Bert', 'Carla']);
  expect(await names({ status: 'on_shift' })).toEqual(['Bert']);
  expect(await names({ q: 'c' })).toEqual(['Carla']);
});
