export {
  firstStepTargets,
  matchRoute,
  onCallMember,
  type ResolvedTarget,
  type RoutableAlert,
  type RouteMatch,
  stepTargets,
} from './route-matcher';
