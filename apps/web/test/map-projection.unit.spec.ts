import { fitView, fromWorld, metresToPixels, project, tilesFor, toWorld, unproject, visibleBounds, zoomAt } from '../src/map-projection';

const berlin = { lat: 52.52, lon: 13.405 };

it('goes to world units and back', () => {
  const [x, y] = toWorld(berlin);
  const back = fromWorld(x, y);
  expect(back.lat).toBeCloseTo(berlin.lat, 9);
  expect(back.lon).toBeCloseTo(berlin.lon, 9);
  expect(toWorld({ lat: 0, lon: 0 })).toEqual([0.5, 0.5]);
});

it('fits every point inside the padding, and one point at a sane zoom', () => {
  const points = [berlin, { lat: 52.55, lon: 13.45 }, { lat: 52.5, lon: 13.38 }];
  const view = fitView(points, 800, 600, 40);
  for (const p of points) {
    const [px, py] = project(view, 800, 600, p);
    expect(px).toBeGreaterThanOrEqual(39.99);
    expect(px).toBeLessThanOrEqual(760.01);
    expect(py).toBeGreaterThanOrEqual(39.99);
    expect(py).toBeLessThanOrEqual(560.01);
  }
  // a single technician: about a kilometre across, not infinitely zoomed
  const single = fitView([berlin], 800, 600, 40);
  expect(metresToPixels(single, berlin.lat, 1_000)).toBeCloseTo(520, -1);
});

it('zooms about the pointer: the point under it stays put', () => {
  const view = fitView([berlin], 800, 600);
  const under = unproject(view, 800, 600, 200, 150);
  const zoomed = zoomAt(view, 800, 600, 200, 150, 2);
  const [px, py] = project(zoomed, 800, 600, under);
  expect(px).toBeCloseTo(200, 6);
  expect(py).toBeCloseTo(150, 6);
  expect(zoomed.scale).toBeCloseTo(view.scale * 2, 6);
});

it('answers the visible box and the tiles that cover it', () => {
  const view = fitView([berlin], 800, 600);
  const box = visibleBounds(view, 800, 600);
  expect(box.west).toBeLessThan(berlin.lon);
  expect(box.east).toBeGreaterThan(berlin.lon);
  expect(box.south).toBeLessThan(berlin.lat);
  expect(box.north).toBeGreaterThan(berlin.lat);
  const tiles = tilesFor(view, 800, 600);
  expect(tiles.length).toBeGreaterThan(0);
  const covers = (x: number, y: number) => tiles.some((t) => t.left <= x && x <= t.left + t.size && t.top <= y && y <= t.top + t.size);
  expect([covers(0, 0), covers(799, 0), covers(0, 599), covers(799, 599), covers(400, 300)]).toEqual([true, true, true, true, true]);
});
