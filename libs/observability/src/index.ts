export { createLogger, maskPhone, PinoNestLogger } from './logger';
export { KlaxonMetrics } from './metrics';
export { startProbeServer } from './probe-server';
export { bootstrapProcess } from './bootstrap-process';
export { exitGracefullyOnSignals } from './graceful-shutdown';
