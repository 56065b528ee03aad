package io.parley.server.auth;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Principal;
import io.parley.server.config.ParleyConfig;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Accounts and logins (feature F1): sign-up, login (one new {@link Device} per login), refresh,
 * logout and profiles. Validates input and throws {@link ApiException} with the API.md codes. All
 * methods block (password hashing, store): call them off the event loop.
 */
public final class AuthService {
  /** Longest accepted password in characters (Argon2 cost does not depend on it, parsing does). */
  public static final int MAX_PASSWORD_CHARS = 1024;

  public static final int MAX_DISPLAY_NAME_CHARS = 64;
  public static final int MAX_ABOUT_CHARS = 256;
  public static final int MAX_DEVICE_NAME_CHARS = 64;
  static final String DEFAULT_DEVICE_NAME = "unnamed device";

  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private final ParleyConfig.Auth config;
  private final UserStore users;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final LongSupplier ids;
  private final Clock clock;
  private final java.util.concurrent.CompletableFuture<String> dummyHash;
  private volatile PrivacyListener privacyListener = (userId, privacy) -> {};
  private volatile java.util.function.LongConsumer profileListener = userId -> {};

  /**
   * @param config the {@code auth} settings (username and password limits)
   * @param users the user store
   * @param hasher password hasher (normally {@code new PasswordHasher(config)})
   * @param tokens token service (also the node's {@code Authenticator})
   * @param idGenerator source of new user and device ids (Snowflake)
   * @param clock time source for {@code created_at}
   */
  public AuthService(
      ParleyConfig.Auth config,
      UserStore users,
      PasswordHasher hasher,
      TokenService tokens,
      LongSupplier idGenerator,
      Clock clock) {
    this.config = config;
    this.users = users;
    this.hasher = hasher;
    this.tokens = tokens;
    this.ids = idGenerator;
    this.clock = clock;
    // Verified against when the username is unknown, so both failures take the same time.
    // computed off the start-up path; the first login of an unknown user waits for it
    this.dummyHash =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> hasher.hash(UUID.randomUUID().toString()));
  }

  /**
   * Creates an account.
   *
   * @param displayName optional; blank or null means the username
   * @throws ApiException {@code invalid_argument} for a bad username, password or display name;
   *     {@code conflict} if the username is taken (case-insensitively)
   */
  public User signup(String username, String password, String displayName) {
    validateUsername(username);
    validatePassword(password);
    String name = displayName == null || displayName.isBlank() ? username : displayName.strip();
    if (name.length() > MAX_DISPLAY_NAME_CHARS) {
      throw ApiException.invalid(
          "display_name is longer than " + MAX_DISPLAY_NAME_CHARS + " characters");
    }
    if (users.findUserByUsername(username).isPresent()) {
      throw new ApiException(ErrorCode.CONFLICT, "username is taken");
    }
    String hash = hasher.hash(password);
    try {
      return users.createUser(ids.getAsLong(), username, name, hash, clock.millis());
    } catch (UsernameTakenException e) {
      throw new ApiException(ErrorCode.CONFLICT, "username is taken");
    }
  }

  /**
   * Checks the credentials and creates a new device with its tokens.
   *
   * @throws ApiException {@code unauthorized} "invalid credentials" for an unknown user or a wrong
   *     password alike
   */
  public TokenService.Tokens login(String username, String password, String deviceName) {
    String name =
        deviceName == null || deviceName.isBlank() ? DEFAULT_DEVICE_NAME : deviceName.strip();
    if (name.length() > MAX_DEVICE_NAME_CHARS) {
      throw ApiException.invalid(
          "device_name is longer than " + MAX_DEVICE_NAME_CHARS + " characters");
    }
    Optional<UserStore.Credentials> creds =
        username == null || username.length() > config.usernameMaxLength()
            ? Optional.empty()
            : users.credentials(username);
    String pw = password == null ? "" : password;
    boolean ok;
    if (creds.isPresent()) {
      ok = hasher.verify(pw, creds.get().passwordHash());
    } else {
      hasher.verify(pw, dummyHash.join());
      ok = false;
    }
    if (!ok) {
      throw ApiException.unauthorized("invalid credentials");
    }
    long userId = creds.get().userId();
    Device device = users.createDevice(ids.getAsLong(), userId, name, clock.millis());
    return tokens.issue(userId, device.id());
  }

  /** See {@link TokenService#refresh}. */
  public TokenService.Tokens refresh(String refreshToken) {
    return tokens.refresh(refreshToken);
  }

  /**
   * Revokes the caller's device: its refresh and access tokens stop working at once and its open
   * connections are closed with 4401.
   */
  public void logout(Principal caller) {
    tokens.revokeDevice(caller.userId(), caller.deviceId());
  }

  /** The user's active devices, oldest first. */
  public List<Device> devices(long userId) {
    return users.devices(userId).stream().filter(Device::active).toList();
  }

  /**
   * Revokes one of the caller's own devices (idempotent; the current device too, which is a
   * logout).
   *
   * @throws ApiException {@code not_found} if the device does not exist or is another user's
   */
  public void revokeDevice(Principal caller, long deviceId) {
    Device d =
        users
            .findDevice(deviceId)
            .filter(x -> x.userId() == caller.userId())
            .orElseThrow(() -> ApiException.notFound("no such device"));
    if (d.active()) {
      tokens.revokeDevice(caller.userId(), deviceId);
    }
  }

  /** Sets who hears of presence privacy changes. */
  public void setPrivacyListener(PrivacyListener listener) {
    this.privacyListener = listener;
  }

  /** Sets who hears that a user's profile changed (cluster mode tells every node's caches). */
  public void setProfileListener(java.util.function.LongConsumer listener) {
    this.profileListener = listener;
  }

  /** The user's presence privacy, or {@code not_found}. */
  public Privacy privacy(long userId) {
    return users.privacy(userId).orElseThrow(() -> ApiException.notFound("no such user"));
  }

  /** Sets the non-null parts of the user's presence privacy and tells the listener. */
  public Privacy updatePrivacy(long userId, Audience lastSeen, Audience online) {
    if (lastSeen == null && online == null) {
      return privacy(userId);
    }
    Privacy p =
        users
            .updatePrivacy(userId, lastSeen, online)
            .orElseThrow(() -> ApiException.notFound("no such user"));
    privacyListener.privacyChanged(userId, p);
    return p;
  }

  /** The profile of a user, or {@code not_found}. */
  public User user(long userId) {
    return users.findUser(userId).orElseThrow(() -> ApiException.notFound("no such user"));
  }

  /** The profile of a user by (case-insensitive) username, or {@code not_found}. */
  public User userByUsername(String username) {
    if (username == null || username.isEmpty() || username.length() > 256) {
      throw ApiException.notFound("no such user");
    }
    return users
        .findUserByUsername(username)
        .orElseThrow(() -> ApiException.notFound("no such user"));
  }

  /**
   * Applies a profile patch (null fields unchanged): display_name 1..64 characters, about up to 256
   * (empty clears it).
   */
  public User updateProfile(long userId, ProfilePatch patch) {
    String displayName = patch.displayName();
    if (displayName != null) {
      displayName = displayName.strip();
      if (displayName.isEmpty()) {
        throw ApiException.invalid("display_name must not be empty");
      }
      if (displayName.length() > MAX_DISPLAY_NAME_CHARS) {
        throw ApiException.invalid(
            "display_name is longer than " + MAX_DISPLAY_NAME_CHARS + " characters");
      }
    }
    if (patch.about() != null && patch.about().length() > MAX_ABOUT_CHARS) {
      throw ApiException.invalid("about is longer than " + MAX_ABOUT_CHARS + " characters");
    }
    if (patch.avatarMediaId() != null && patch.avatarMediaId() <= 0) {
      throw ApiException.invalid("avatar_media_id must be an id");
    }
    User u =
        users
            .updateProfile(
                userId, new ProfilePatch(displayName, patch.about(), patch.avatarMediaId()))
            .orElseThrow(() -> ApiException.notFound("no such user"));
    if (displayName != null || patch.about() != null || patch.avatarMediaId() != null) {
      profileListener.accept(userId);
    }
    return u;
  }

  private void validateUsername(String username) {
    int min = config.usernameMinLength();
    int max = config.usernameMaxLength();
    if (username == null || username.length() < min || username.length() > max) {
      throw ApiException.invalid("username must have " + min + " to " + max + " characters");
    }
    if (!USERNAME.matcher(username).matches()) {
      throw ApiException.invalid("username may contain only letters, digits, '_', '.' and '-'");
    }
  }

  private void validatePassword(String password) {
    int min = config.passwordMinLength();
    if (password == null || password.codePointCount(0, password.length()) < min) {
      throw ApiException.invalid("password must have at least " + min + " characters");
    }
    if (password.length() > MAX_PASSWORD_CHARS) {
      throw ApiException.invalid("password is longer than " + MAX_PASSWORD_CHARS + " characters");
    }
  }
}
