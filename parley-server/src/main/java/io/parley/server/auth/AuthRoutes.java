package io.parley.server.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The REST endpoints of API.md for accounts and profiles: {@code /v1/auth/{signup,login,refresh,
 * logout}}, {@code /v1/users/me} (GET, PATCH), {@code /v1/users/{user_id}} and {@code
 * /v1/users?username=}. {@code /v1/users/me} also carries the caller's presence {@code privacy}
 * (never shown to others). Expects a {@code BodyHandler} on {@code /v1/*} installed by the caller.
 */
public final class AuthRoutes {
  private static final int MAX_USERNAME_FIELD = 256;
  private static final int MAX_TOKEN_FIELD = 256;

  private final AuthService auth;
  private final Authenticator authenticator;

  /**
   * @param auth the account service
   * @param authenticator verifies bearer tokens (normally the {@link TokenService})
   */
  public AuthRoutes(AuthService auth, Authenticator authenticator) {
    this.auth = auth;
    this.authenticator = authenticator;
  }

  /** Registers the routes on {@code router}. */
  public void mount(Router router) {
    Handler<RoutingContext> requireAuth = Http.requireAuth(authenticator);
    router.post("/v1/auth/signup").handler(Http.blocking(this::signup));
    router.post("/v1/auth/login").handler(Http.blocking(this::login));
    router.post("/v1/auth/refresh").handler(Http.blocking(this::refresh));
    router.post("/v1/auth/logout").handler(requireAuth).handler(Http.blocking(this::logout));
    router.get("/v1/users/me").handler(requireAuth).handler(Http.blocking(this::me));
    router.patch("/v1/users/me").handler(requireAuth).handler(Http.blocking(this::patchMe));
    router.get("/v1/users").handler(requireAuth).handler(Http.blocking(this::byUsername));
    router.get("/v1/users/:user_id").handler(requireAuth).handler(Http.blocking(this::byId));
  }

  /** {@code 201 {user_id, username}}. */
  record SignupResponse(String userId, String username) {}

  /** {@code 200 {access_token, refresh_token, expires_in, user_id, device_id}}. */
  record LoginResponse(
      String accessToken, String refreshToken, long expiresIn, String userId, String deviceId) {}

  /** {@code 200 {access_token, refresh_token, expires_in}}. */
  record RefreshResponse(String accessToken, String refreshToken, long expiresIn) {}

  /** The public profile; every field is always present (avatar_media_id may be null). */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Profile(
      String userId, String username, String displayName, String about, String avatarMediaId) {
    static Profile of(User u) {
      return new Profile(
          Long.toString(u.id()),
          u.username(),
          u.displayName(),
          u.about() == null ? "" : u.about(),
          u.avatarMediaId() == null ? null : Long.toString(u.avatarMediaId()));
    }
  }

  private Response signup(RoutingContext ctx) {
    ObjectNode body = Http.bodyObject(ctx);
    String username = Fields.requiredString(body, "username", MAX_USERNAME_FIELD);
    String password = rawString(body, "password", AuthService.MAX_PASSWORD_CHARS);
    String displayName = Fields.optionalString(body, "display_name", 1024);
    User u = auth.signup(username, password, displayName);
    return Response.created(new SignupResponse(Long.toString(u.id()), u.username()));
  }

  private Response login(RoutingContext ctx) {
    ObjectNode body = Http.bodyObject(ctx);
    String username = Fields.requiredString(body, "username", MAX_USERNAME_FIELD);
    String password = rawString(body, "password", AuthService.MAX_PASSWORD_CHARS);
    String deviceName = Fields.optionalString(body, "device_name", 1024);
    TokenService.Tokens t = auth.login(username, password, deviceName);
    return Response.ok(
        new LoginResponse(
            t.accessToken(),
            t.refreshToken(),
            t.expiresIn(),
            Long.toString(t.userId()),
            Long.toString(t.deviceId())));
  }

  private Response refresh(RoutingContext ctx) {
    ObjectNode body = Http.bodyObject(ctx);
    String token = Fields.requiredString(body, "refresh_token", MAX_TOKEN_FIELD);
    TokenService.Tokens t = auth.refresh(token);
    return Response.ok(new RefreshResponse(t.accessToken(), t.refreshToken(), t.expiresIn()));
  }

  private Response logout(RoutingContext ctx) {
    auth.logout(Http.principal(ctx));
    return Response.noContent();
  }

  /** The caller's own profile: the public one plus its presence privacy. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record OwnProfile(
      String userId,
      String username,
      String displayName,
      String about,
      String avatarMediaId,
      PrivacyView privacy) {
    static OwnProfile of(User u, Privacy p) {
      Profile pub = Profile.of(u);
      return new OwnProfile(
          pub.userId(),
          pub.username(),
          pub.displayName(),
          pub.about(),
          pub.avatarMediaId(),
          new PrivacyView(p.lastSeen().wire(), p.online().wire()));
    }
  }

  /** {@code privacy: {last_seen, online}}, each {@code everyone|contacts|nobody}. */
  record PrivacyView(String lastSeen, String online) {}

  private Response me(RoutingContext ctx) {
    long me = Http.principal(ctx).userId();
    return Response.ok(OwnProfile.of(auth.user(me), auth.privacy(me)));
  }

  private Response patchMe(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.bodyObject(ctx);
    Audience[] privacy = privacyPatch(body.get("privacy"));
    String displayName =
        Fields.optionalString(body, "display_name", AuthService.MAX_DISPLAY_NAME_CHARS);
    String about = Fields.optionalString(body, "about", AuthService.MAX_ABOUT_CHARS);
    JsonNode avatar = body.get("avatar_media_id");
    Long avatarId =
        avatar == null || avatar.isNull() ? null : Fields.requiredId(body, "avatar_media_id");
    User u = auth.updateProfile(p.userId(), new ProfilePatch(displayName, about, avatarId));
    return Response.ok(OwnProfile.of(u, auth.updatePrivacy(p.userId(), privacy[0], privacy[1])));
  }

  /** {@code [last_seen, online]} of a {@code privacy} patch object (null parts unchanged). */
  private static Audience[] privacyPatch(JsonNode privacy) {
    Audience[] out = new Audience[2];
    if (privacy == null || privacy.isNull()) {
      return out;
    }
    if (!privacy.isObject()) {
      throw ApiException.invalid("privacy must be an object");
    }
    var fields = privacy.fieldNames();
    while (fields.hasNext()) {
      String f = fields.next();
      int i =
          switch (f) {
            case "last_seen" -> 0;
            case "online" -> 1;
            default -> throw ApiException.invalid("privacy." + f + " is not a setting");
          };
      JsonNode v = privacy.get(f);
      Audience a = v != null && v.isTextual() ? Audience.fromWire(v.asText()) : null;
      if (a == null) {
        throw ApiException.invalid("privacy." + f + " must be everyone, contacts or nobody");
      }
      out[i] = a;
    }
    return out;
  }

  private Response byId(RoutingContext ctx) {
    long id = Fields.parseId(ctx.pathParam("user_id"), "user_id");
    return Response.ok(Profile.of(auth.user(id)));
  }

  private Response byUsername(RoutingContext ctx) {
    String username = ctx.queryParams().get("username");
    if (username == null || username.isEmpty()) {
      throw ApiException.invalid("query parameter username is required");
    }
    return Response.ok(Profile.of(auth.userByUsername(username)));
  }

  /** A required string that is kept verbatim (passwords may be all spaces). */
  private static String rawString(JsonNode obj, String field, int maxLen) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid(field + " is required");
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field + " must be a string");
    }
    if (v.asText().length() > maxLen) {
      throw ApiException.invalid(field + " is longer than " + maxLen + " characters");
    }
    return v.asText();
  }
}
