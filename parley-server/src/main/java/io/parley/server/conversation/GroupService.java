package io.parley.server.conversation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.auth.UserStore;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.ConversationType;
import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.conversation.model.Role;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.Outbound;
import io.parley.server.messaging.MessagingService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Groups: create, rename, add/remove members, roles, leave. Rights: the owner does everything;
 * admins rename and add/remove plain members; members may only leave. Every change is stored as a
 * {@code system} message in the conversation (so it appears in history, in order) and pushed as a
 * {@code conversation} frame to the members, including a removed one. When the owner leaves, the
 * oldest admin (else the oldest member) becomes owner. All methods block.
 */
public final class GroupService {
  private final ConversationStore conversations;
  private final UserStore users;
  private final Memberships memberships;
  private final MessagingService messaging;
  private final Broker broker;
  private final ParleyConfig.Groups cfg;
  private final LongSupplier ids;
  private final Clock clock;

  public GroupService(
      ConversationStore conversations,
      UserStore users,
      Memberships memberships,
      MessagingService messaging,
      Broker broker,
      ParleyConfig.Groups cfg,
      LongSupplier ids,
      Clock clock) {
    this.conversations = conversations;
    this.users = users;
    this.memberships = memberships;
    this.messaging = messaging;
    this.broker = broker;
    this.cfg = cfg;
    this.ids = ids;
    this.clock = clock;
  }

  public Map<String, Object> create(long ownerId, String name, Collection<Long> memberIds) {
    String title = checkName(name);
    Set<Long> others = new LinkedHashSet<>(memberIds);
    others.remove(ownerId);
    checkLimit(others.size() + 1);
    requireUsers(others);
    Conversation c =
        conversations.createGroup(ids.getAsLong(), title, ownerId, others, clock.millis());
    memberships.invalidate(c.id());
    broker.publishEvent(ClusterEvent.membershipChanged(c.id()));
    ObjectNode body = system("created", ownerId);
    body.put("title", title);
    return changed(c.id(), ownerId, "created", body, List.of());
  }

  public Map<String, Object> get(long callerId, long groupId) {
    Conversation c = group(groupId);
    requireRole(groupId, callerId, Role.MEMBER);
    return ConversationViews.group(c, conversations.members(groupId));
  }

  public Map<String, Object> rename(long callerId, long groupId, String name) {
    group(groupId);
    String title = checkName(name);
    requireRole(groupId, callerId, Role.ADMIN);
    conversations.rename(groupId, title);
    ObjectNode body = system("renamed", callerId);
    body.put("title", title);
    return changed(groupId, callerId, "renamed", body, List.of());
  }

  /**
   * Applies a group PATCH: a new name (admins and the owner) and/or whether members who join from
   * now on read the earlier history (owner only). Rights are checked for both before either is
   * applied; each actual change is a system message.
   */
  public Map<String, Object> update(
      long callerId, long groupId, String name, Boolean historyVisibleToNewMembers) {
    Conversation c = group(groupId);
    String title = name == null ? null : checkName(name);
    Role needed =
        historyVisibleToNewMembers != null ? Role.OWNER : title != null ? Role.ADMIN : Role.MEMBER;
    requireRole(groupId, callerId, needed);
    Map<String, Object> view = null;
    if (title != null) {
      view = rename(callerId, groupId, title);
    }
    if (historyVisibleToNewMembers != null
        && historyVisibleToNewMembers != c.historyVisibleToNewMembers()) {
      conversations.setHistoryVisibleToNewMembers(groupId, historyVisibleToNewMembers);
      ObjectNode body = system("history_visibility_changed", callerId);
      body.put("history_visible_to_new_members", historyVisibleToNewMembers.booleanValue());
      view = changed(groupId, callerId, "history_visibility_changed", body, List.of());
    }
    return view != null
        ? view
        : ConversationViews.group(group(groupId), conversations.members(groupId));
  }

  public Map<String, Object> addMembers(long callerId, long groupId, Collection<Long> userIds) {
    group(groupId);
    requireRole(groupId, callerId, Role.ADMIN);
    if (userIds.isEmpty()) {
      throw ApiException.invalid("user_ids must not be empty");
    }
    Set<Long> wanted = new LinkedHashSet<>(userIds);
    requireUsers(wanted);
    int existing = conversations.memberCount(groupId);
    List<Long> fresh = new ArrayList<>();
    for (Long u : wanted) {
      if (conversations.member(groupId, u).isEmpty()) {
        fresh.add(u);
      }
    }
    checkLimit(existing + fresh.size());
    List<Long> added = conversations.addMembers(groupId, fresh, Role.MEMBER, clock.millis());
    memberships.invalidate(groupId);
    broker.publishEvent(ClusterEvent.membershipChanged(groupId));
    if (added.isEmpty()) {
      return ConversationViews.group(group(groupId), conversations.members(groupId));
    }
    ObjectNode body = system("member_added", callerId);
    ids(body, added);
    return changed(groupId, callerId, "member_added", body, List.of());
  }

  public void removeMember(long callerId, long groupId, long userId) {
    group(groupId);
    if (callerId == userId) {
      leave(callerId, groupId);
      return;
    }
    Member caller = requireRole(groupId, callerId, Role.ADMIN);
    Member target =
        conversations
            .member(groupId, userId)
            .orElseThrow(() -> ApiException.notFound("not a member of this group"));
    if (caller.role() != Role.OWNER && target.role() != Role.MEMBER) {
      throw ApiException.forbidden("only the owner can remove admins");
    }
    conversations.removeMember(groupId, userId);
    memberships.invalidate(groupId);
    broker.publishEvent(ClusterEvent.membershipChanged(groupId));
    ObjectNode body = system("member_removed", callerId);
    ids(body, List.of(userId));
    changed(groupId, callerId, "member_removed", body, List.of(userId));
  }

  public void setRole(long callerId, long groupId, long userId, String roleName) {
    group(groupId);
    Role role = Role.fromWire(roleName);
    if (role == null || role == Role.OWNER) {
      throw ApiException.invalid("role must be admin or member");
    }
    requireRole(groupId, callerId, Role.OWNER);
    if (callerId == userId) {
      throw ApiException.invalid("the owner cannot change its own role");
    }
    if (!conversations.setRole(groupId, userId, role)) {
      throw ApiException.notFound("not a member of this group");
    }
    ObjectNode body = system("role_changed", callerId);
    ids(body, List.of(userId));
    body.put("role", role.wire());
    changed(groupId, callerId, "role_changed", body, List.of());
  }

  public void leave(long callerId, long groupId) {
    group(groupId);
    Member me = requireRole(groupId, callerId, Role.MEMBER);
    conversations.removeMember(groupId, callerId);
    if (me.role() == Role.OWNER) {
      conversations.members(groupId).stream()
          .min(
              Comparator.comparing((Member m) -> m.role() == Role.ADMIN ? 0 : 1)
                  .thenComparingLong(Member::joinedAt)
                  .thenComparingLong(Member::userId))
          .ifPresent(next -> conversations.setRole(groupId, next.userId(), Role.OWNER));
    }
    memberships.invalidate(groupId);
    broker.publishEvent(ClusterEvent.membershipChanged(groupId));
    ObjectNode body = system("member_left", callerId);
    ids(body, List.of(callerId));
    changed(groupId, callerId, "member_left", body, List.of(callerId));
  }

  /** Stores the system message, then pushes the conversation frame; returns the group view. */
  private Map<String, Object> changed(
      long groupId, long actorId, String event, ObjectNode body, List<Long> alsoNotify) {
    messaging.sendSystem(groupId, actorId, Json.write(body)).join();
    Conversation c = group(groupId);
    Map<String, Object> view = ConversationViews.group(c, conversations.members(groupId));
    ObjectNode frame = Json.MAPPER.createObjectNode();
    frame.put("type", "conversation");
    frame.put("event", event);
    frame.set("conversation", Json.MAPPER.valueToTree(view));
    List<Long> to = new ArrayList<>(memberships.memberList(groupId));
    to.addAll(alsoNotify);
    broker.publish(to, Outbound.of(Json.write(frame)), 0);
    return view;
  }

  private Conversation group(long groupId) {
    Conversation c =
        conversations.find(groupId).orElseThrow(() -> ApiException.notFound("no such group"));
    if (c.type() != ConversationType.GROUP) {
      throw ApiException.notFound("no such group");
    }
    return c;
  }

  /** The caller's membership if its role is at least {@code min} (OWNER > ADMIN > MEMBER). */
  private Member requireRole(long groupId, long userId, Role min) {
    Member m =
        conversations
            .member(groupId, userId)
            .orElseThrow(() -> ApiException.forbidden("not a member of this group"));
    if (m.role().compareTo(min) > 0) { // declaration order: OWNER, ADMIN, MEMBER
      throw ApiException.forbidden("requires role " + min.wire() + " or higher");
    }
    return m;
  }

  private String checkName(String name) {
    if (name == null || name.isBlank()) {
      throw ApiException.invalid("name is required");
    }
    if (name.length() > cfg.maxTitleChars()) {
      throw ApiException.invalid("name is longer than " + cfg.maxTitleChars() + " characters");
    }
    return name.strip();
  }

  private void checkLimit(int members) {
    if (members > cfg.maxMembers()) {
      throw new ApiException(
          ErrorCode.CONFLICT, "a group has at most " + cfg.maxMembers() + " members");
    }
  }

  private void requireUsers(Collection<Long> userIds) {
    for (Long u : userIds) {
      if (users.findUser(u).isEmpty()) {
        throw ApiException.notFound("no such user: " + u);
      }
    }
  }

  private static ObjectNode system(String event, long actorId) {
    ObjectNode b = Json.MAPPER.createObjectNode();
    b.put("kind", "system");
    b.put("event", event);
    b.put("actor_id", Long.toString(actorId));
    return b;
  }

  private static void ids(ObjectNode body, Collection<Long> userIds) {
    ArrayNode arr = body.putArray("user_ids");
    userIds.forEach(u -> arr.add(Long.toString(u)));
  }
}
