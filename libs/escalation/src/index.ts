export {
  type KnownUsers,
  MAX_OVERRIDE_MS,
  type OnCallAt,
  type OnCallPeriod,
  onCallNext,
  onCallNow,
  type OverrideRequest,
  type RotationShift,
  type ScheduleOverride,
  shiftAt,
  type ValidateOverrideOptions,
  validateOverride,
  withOverrides,
} from './rotation';
export { localWallTimeToInstant, wallClockToInstantMs } from './wall-clock';
export * from './escalation-steps';
