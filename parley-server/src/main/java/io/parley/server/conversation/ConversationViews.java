package io.parley.server.conversation;

import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON shapes of conversations (API.md), built as maps for the snake_case mapper. */
public final class ConversationViews {
  private ConversationViews() {}

  public static Map<String, Object> conversation(
      Conversation c, String title, List<Member> members) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conversation_id", Long.toString(c.id()));
    m.put("type", c.type().wire());
    m.put("title", title);
    m.put("created_at", c.createdAt());
    m.put("last_seq", c.lastSeq());
    m.put("members", members(members));
    return m;
  }

  /** A group as API.md's group endpoints return it ({@code name} besides {@code title}). */
  public static Map<String, Object> group(Conversation c, List<Member> members) {
    Map<String, Object> m = conversation(c, c.title(), members);
    m.put("name", c.title());
    m.put("history_visible_to_new_members", c.historyVisibleToNewMembers());
    return m;
  }

  public static List<Map<String, Object>> members(List<Member> members) {
    List<Map<String, Object>> out = new ArrayList<>(members.size());
    for (Member mb : members) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("user_id", Long.toString(mb.userId()));
      m.put("role", mb.role().wire());
      out.add(m);
    }
    return out;
  }
}
