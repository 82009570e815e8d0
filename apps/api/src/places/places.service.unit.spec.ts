import { CommandHandler, InMemoryEventStore } from '#libs/event-store';
import { ShiftedClock } from '#libs/platform';
import type { Principal } from '../auth/principal';
import { toProblem } from '../common/api-problems';
import { InMemoryPlacesRepository } from './in-memory-places.repository';
import { PlacesService } from './places.service';

// Customers, sites and geofences on the in-memory event store and read model (on PostgreSQL: apps/api/test/places.e2e.spec.ts).

const dispatcher: Principal = { tenantId: 'acme', kind: 'user', id: 'u-disp', role: 'dispatcher' };
const other: Principal = { ...dispatcher, tenantId: 'globex' };
const MONTH_END = new Date('2027-01-31T23:59:58.000Z');
const site = (customerId: string, name: string) => ({ name, customerId, address: 'Main St 1', location: { lat: 52.5, lon: 13.4 } });

let service: PlacesService;
beforeEach(() => {
  service = new PlacesService(new ShiftedClock(MONTH_END), new CommandHandler(new InMemoryEventStore()), new InMemoryPlacesRepository());
});

it('creates, updates and retires a customer; times are the clock’s, and a retired one leaves the list', async () => {
  const created = await service.create('customer', { principal: dispatcher }, { name: 'Contoso' });
  expect(created).toMatchObject({ version: 1, status: 'active', name: 'Contoso' });
  expect(created.id).toMatch(/^cus_/);
  expect(Date.parse(created.createdAt) - MONTH_END.getTime()).toBeLessThan(5_000);
  const updated = await service.execute('customer', { principal: dispatcher }, created.id, 'UpdatePlace', { name: 'Contoso Ltd' });
  expect(updated).toMatchObject({ version: 2, name: 'Contoso Ltd', createdAt: created.createdAt });
  const retired = await service.execute('customer', { principal: dispatcher }, created.id, 'RetirePlace', {});
  expect(retired).toMatchObject({ version: 3, status: 'retired' });
  expect((await service.list('customer', dispatcher, {})).items).toEqual([]);
  expect((await service.list('customer', dispatcher, { status: 'retired' })).items.map((c) => c.id)).toEqual([created.id]);
});

it('lists sites by name under a customer, and keeps tenants and families apart', async () => {
  const acme = await service.create('customer', { principal: dispatcher }, { name: 'Acme' });
  const initech = await service.create('customer', { principal: dispatcher }, { name: 'Initech' });
  await service.create('site', { principal: dispatcher }, site(acme.id, 'Warehouse'));
  await service.create('site', { principal: dispatcher }, site(acme.id, 'depot'));
  await service.create('site', { principal: dispatcher }, site(initech.id, 'Tower'));
  const names = async (principal: Principal, query: object) => (await service.list('site', principal, query)).items.map((s) => (s as { name?: string }).name);
  expect(await names(dispatcher, { parentId: acme.id })).toEqual(['depot', 'Warehouse']);
  expect(await names(dispatcher, { q: 'TO' })).toEqual(['Tower']);
  expect(await names(other, {})).toEqual([]);
  expect(toProblem(await service.get('site', dispatcher, acme.id).catch((e: unknown) => e)).problem).toMatchObject({ status: 404, code: 'PLACE_NOT_FOUND' });
  expect(toProblem(await service.get('customer', other, acme.id).catch((e: unknown) => e)).problem).toMatchObject({ status: 404, code: 'PLACE_NOT_FOUND' });
});

it('refuses to create a place under an id that exists (409), and to update an unknown one (404)', async () => {
  const first = await service.execute('customer', { principal: dispatcher }, 'cus_fixed', 'CreatePlace', { name: 'First' });
  const again = await service.execute('customer', { principal: dispatcher }, 'cus_fixed', 'CreatePlace', { name: 'Second' }).catch((e: unknown) => e);
  expect(toProblem(again).problem).toMatchObject({ status: 409, code: 'PLACE_ALREADY_EXISTS' });
  expect(await service.get('customer', dispatcher, first.id)).toMatchObject({ name: 'First', version: 1 });
  const unknown = await service.execute('customer', { principal: dispatcher }, 'cus_nope', 'UpdatePlace', { name: 'x' }).catch((e: unknown) => e);
  expect(toProblem(unknown).problem).toMatchObject({ status: 404, code: 'PLACE_NOT_FOUND' });
});
