import type { SignedIn, SignInProvider } from './signIn.js';

/** Local mode: everyone acts as the configured demo user, so nobody is ever asked to sign in. */
export class LocalSignIn implements SignInProvider {
  private static readonly signedIn: SignedIn = {};

  remembered(): Promise<SignedIn> {
    return Promise.resolve(LocalSignIn.signedIn);
  }

  userToken(): Promise<SignedIn> {
    return Promise.resolve(LocalSignIn.signedIn);
  }

  exchange(): Promise<SignedIn> {
    return Promise.resolve(LocalSignIn.signedIn);
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
