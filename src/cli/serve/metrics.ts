/** Prometheus metrics of the reward server (prom-client, its own registry: nothing global, one per server). */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'reward_lens_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'] as const, registers: [this.registry] });
  readonly rewards = new Counter({ name: 'reward_lens_candidates_scored_total', help: 'Candidates scored, by task', labelNames: ['task'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'reward_lens_request_duration_seconds',
    help: 'Request latency by route (queue wait included)',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly timeouts = new Counter({ name: 'reward_lens_candidate_timeouts_total', help: 'Candidates stopped at their time limit, by task', labelNames: ['task'] as const, registers: [this.registry] });
  readonly errors = new Counter({ name: 'reward_lens_errors_total', help: 'Errors by code: request errors and candidate verdicts', labelNames: ['code'] as const, registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'reward_lens_queue_depth', help: 'Scoring requests waiting for a slot', registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'reward_lens_in_flight', help: 'Scoring requests running', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'reward_lens_rejected_total', help: 'Requests refused with 503 because the queue was full', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'reward_lens_' });
  }
}
