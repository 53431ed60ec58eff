/** Injection tokens of the worker app (the environment's is APP_ENV from @klaxon/config). */
export const LOGGER = Symbol('LOGGER');
/** this process's WorkerDuties (worker-role.ts) */
export const WORKER_DUTIES = Symbol('WORKER_DUTIES');
