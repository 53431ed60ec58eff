/** Injection tokens of the api app (the environment's is APP_ENV from @klaxon/config). */
export const LOGGER = Symbol('LOGGER');
