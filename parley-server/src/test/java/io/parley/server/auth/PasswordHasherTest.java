package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {
  private final PasswordHasher hasher = new PasswordHasher(1024, 1, 1);

  @Test
  void roundTrip() {
    String h = hasher.hash("correct horse battery staple");
    assertThat(h)
        .matches("\\$argon2id\\$v=19\\$m=1024,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    assertThat(hasher.verify("correct horse battery staple", h)).isTrue();
  }

  @Test
  void rejectsWrongPassword() {
    String h = hasher.hash("secret-password");
    assertThat(hasher.verify("secret-passwore", h)).isFalse();
    assertThat(hasher.verify("", h)).isFalse();
    assertThat(hasher.verify(null, h)).isFalse();
  }

  @Test
  void saltIsRandom() {
    assertThat(hasher.hash("same password")).isNotEqualTo(hasher.hash("same password"));
  }

  @Test
  void verifiesWithParametersStoredInTheHash() {
    String old = new PasswordHasher(2048, 2, 2).hash("pässwörd ✓");
    assertThat(hasher.verify("pässwörd ✓", old)).isTrue();
    assertThat(hasher.verify("passwort", old)).isFalse();
  }

  @Test
  void verifiesHashesOfTheReferenceImplementation() {
    // Produced by the reference C library (libargon2.so.1, argon2id_hash_encoded), salt
    // "somesaltsomesalt", 32-byte tag.
    String a =
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
            + "FiU+I6KbINfHoMBfkVDnS6qmzxgy7cg41IT8JQoCvvk";
    String b =
        "$argon2id$v=19$m=2048,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$"
            + "dbZecxhBqT5YFbAcixx4CYB4WHS3z0lVrWsPLlaOpnQ";
    assertThat(hasher.verify("password", a)).isTrue();
    assertThat(hasher.verify("password!", a)).isFalse();
    assertThat(hasher.verify("pässwörd ✓", b)).isTrue();
  }

  @Test
  void malformedHashesAreRejected() {
    String h = hasher.hash("password1");
    assertThat(hasher.verify("password1", "")).isFalse();
    assertThat(hasher.verify("password1", "plain")).isFalse();
    assertThat(hasher.verify("password1", h.replace("argon2id", "argon2i"))).isFalse();
    assertThat(hasher.verify("password1", h.replace("v=19", "v=16"))).isFalse();
    assertThat(hasher.verify("password1", h.replace("m=1024", "m=abc"))).isFalse();
    assertThat(hasher.verify("password1", h.replace("m=1024", "m=999999999"))).isFalse();
    assertThat(hasher.verify("password1", h.substring(0, h.length() - 5))).isFalse();
    assertThat(hasher.verify("password1", h + "$extra")).isFalse();
    assertThat(hasher.verify("password1", null)).isFalse();
  }
}
