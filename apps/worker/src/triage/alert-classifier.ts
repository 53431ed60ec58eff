import { Injectable } from '@nestjs/common';
import type { Priority } from '@klaxon/alert-format';
import { ConfigStore } from '@klaxon/config';
import { matchRoute, type Classification } from '@klaxon/triage';

/** Which tier and escalation policy a new alert gets, from the current config. */
@Injectable()
export class AlertClassifier {
  constructor(private readonly config: ConfigStore) {}

  classify(alert: { priority: Priority; host: string; message: string; source: string }): Classification {
    const config = this.config.config;
    const tier = config.lookup.tierByPriority.get(alert.priority)?.name ?? null;
    const route = matchRoute(config.routes, alert);
    return { tier, policy: route?.policyId ?? null, route: route?.routeIndex ?? null };
  }
}
