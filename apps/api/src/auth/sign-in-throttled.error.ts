import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 for a sign-in refused by the throttle; the controller copies `retryAfterSeconds` into a Retry-After header. */
export class SignInThrottledError extends HttpException {
  readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super({ message: 'too many failed sign-ins; try again later', retryAfterSeconds }, HttpStatus.TOO_MANY_REQUESTS);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
