import { context } from '../testing/job.fixtures';
import { deciderSpec } from '../testing/decider-spec';
import { type PlaceCommand, type PlaceDomainEvent, placeDecider } from './place.decider';

const site = deciderSpec(placeDecider('site'));
const geofence = deciderSpec(placeDecider('geofence'));
const cmd = (type: PlaceCommand['type'], data: object = {}) => ({ type, data, context: context() }) as PlaceCommand<'site'>;

const created: PlaceDomainEvent = { type: 'site.created', data: { name: 'Bakery', address: 'Torstr. 1', location: { lat: 52.5, lon: 13.4 } } };
const archived: PlaceDomainEvent = { type: 'site.archived', data: {} };

it('creates, updates only what changed, retires', () => {
  site.given([]).when(cmd('CreatePlace', created.data)).then([created]);
  site.given([created]).when(cmd('UpdatePlace', { name: 'Bakery', address: 'Torstr. 2' })).then([{ type: 'site.updated', data: { address: 'Torstr. 2' } }]);
  site.given([created]).when(cmd('UpdatePlace', { name: 'Bakery' })).thenNothing();
  site.given([created]).when(cmd('RetirePlace')).then([archived]);
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
