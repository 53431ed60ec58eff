export { fingerprintKeyOf, fingerprintOf, maskNumbers } from './fingerprint';
export * from './triage-plan';
export * from './routing';
export * from './silences';
export { holderOf, isHostDown, type InhibitionCandidate, type OpenAlertOnHost } from './inhibition/host-down';
