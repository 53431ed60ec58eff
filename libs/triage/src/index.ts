export { fingerprintOf, maskNumbers } from './fingerprint';
export * from './triage-plan';
export * from './routing';
export * from './silences';
