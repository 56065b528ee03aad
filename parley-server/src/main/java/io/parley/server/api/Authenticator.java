package io.parley.server.api;

/** Verifies access tokens. */
public interface Authenticator {
  /**
   * Returns the principal of a valid, unexpired access token whose device is not revoked.
   *
   * @throws ApiException {@code unauthorized} otherwise
   */
  Principal authenticate(String accessToken);
}
