/** Time, injected so tests can move it (approval windows, lease expiry, time budgets). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
