// A technician's day in miniature: drive between job sites at street speeds along a Manhattan-ish
// route (first along one axis, then the other), stop on site for a while, drive on; the battery drains.

const EARTH_M_PER_DEG_LAT = 111_320;

export interface Fix {
  lat: number;
  lon: number;
  speedMps: number;
  headingDeg: number;
  batteryPct: number;
  accuracyM: number;
}

export class TechnicianRoute {
  private lat: number;
  private lon: number;
  private target: { lat: number; lon: number };
  private onSiteUntil = 0;
  private battery: number;
  private heading = 0;
  private speed = 0;

  constructor(
    private readonly center: { lat: number; lon: number },
    private readonly random: () => number = Math.random,
  ) {
    this.lat = center.lat + (random() - 0.5) * 0.1;
    this.lon = center.lon + (random() - 0.5) * 0.1;
    this.target = this.nextSite();
    this.battery = 60 + random() * 40;
  }

  /** Advances the simulation by `dtS` seconds at time `now` and returns the fix a phone would report. */
  step(dtS: number, now: number): Fix {
    this.battery = Math.max(1, this.battery - dtS * 0.002);
    if (now < this.onSiteUntil) {
      this.speed = 0;
    } else {
      this.speed = 8 + this.random() * 7; // 30–54 km/h
      const mPerDegLon = EARTH_M_PER_DEG_LAT * Math.cos((this.lat * Math.PI) / 180);
      const dy = (this.target.lat - this.lat) * EARTH_M_PER_DEG_LAT;
      const dx = (this.target.lon - this.lon) * mPerDegLon;
      let step = this.speed * dtS;
      // Streets: close the longitude gap first, then the latitude gap.
      if (Math.abs(dx) > 1) {
        const move = Math.sign(dx) * Math.min(Math.abs(dx), step);
        this.lon += move / mPerDegLon;
        this.heading = dx > 0 ? 90 : 270;
        step -= Math.abs(move);
      }
      if (step > 0 && Math.abs(dy) > 1) {
        const move = Math.sign(dy) * Math.min(Math.abs(dy), step);
        this.lat += move / EARTH_M_PER_DEG_LAT;
        this.heading = dy > 0 ? 0 : 180;
      }
      if (Math.abs(dx) <= 1 && Math.abs(dy) <= 1) {
        this.onSiteUntil = now + (5 + this.random() * 25) * 60_000; // 5–30 min on site
        this.target = this.nextSite();
      }
    }
    return {
      lat: round(this.lat + (this.random() - 0.5) * 0.00005), // GPS jitter, a few metres
      lon: round(this.lon + (this.random() - 0.5) * 0.00005),
      speedMps: Math.round(this.speed * 10) / 10,
      headingDeg: this.heading,
      batteryPct: Math.round(this.battery),
      accuracyM: Math.round(3 + this.random() * 12),
    };
  }

  private nextSite() {
    return { lat: this.center.lat + (this.random() - 0.5) * 0.12, lon: this.center.lon + (this.random() - 0.5) * 0.12 };
  }
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
