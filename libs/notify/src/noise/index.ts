export { inQuietHours, quietHoursEnd, smsDecision, zonedWallTimeToInstant, type QuietHoursUser, type SmsDecision } from './quiet-hours';
export { P0_MAX_FOLD_MS, budgetDecision, p0SummaryDueAt, summarizeFolded, type BudgetDecision, type FoldedAlert, type FoldedSummary } from './sms-budget';
export { flapState, stableSince, type FlapState, type FlapStatus, type StatusTransition } from './flap-detector';
export { isGrouped, planHolds, quietHoursHold, type HoldGroup, type HoldInput, type Holdable } from './hold-decision';
