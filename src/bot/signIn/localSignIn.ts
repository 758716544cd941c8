import type { SignedIn, SignInProvider } from './signIn.js';

/** Local mode: everyone acts as the configured demo user, so nobody is ever asked to sign in. */
export class LocalSignIn implements SignInProvider {
  private readonly signedIn: SignedIn;

  /** `login`: the directory user everyone acts as (LOCAL_USER); the identity that keys what is kept per user. */
  constructor(login: string) {
    this.signedIn = { who: { tenantId: 'local', objectId: login.toLowerCase() } };
  }

  remembered(): Promise<SignedIn> {
    return Promise.resolve(this.signedIn);
  }

  userToken(): Promise<SignedIn> {
    return Promise.resolve(this.signedIn);
  }

  exchange(): Promise<SignedIn> {
    return Promise.resolve(this.signedIn);
  }

  prompt(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  loginRequest(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  signOut(): Promise<boolean> {
    return Promise.resolve(false);
  }
}
