#include "relay/pg_schema.h"

#include <string>

namespace otc::relay {

namespace {

// kMigrations[i] takes the schema from version i to version i + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE SEQUENCE message_refs;
CREATE TABLE messages (
  ref           bigint PRIMARY KEY,
  recipient_uid text NOT NULL,
  sender_uid    text NOT NULL,
  contents      text NOT NULL,
  created_ms    bigint NOT NULL);
CREATE INDEX messages_by_recipient ON messages (recipient_uid, ref);
CREATE INDEX messages_by_age ON messages (created_ms);
CREATE TABLE send_digests (
  recipient_uid text NOT NULL,
  sender_uid    text NOT NULL,
  digest        text NOT NULL,
  ref           bigint NOT NULL,
  created_ms    bigint NOT NULL,
  PRIMARY KEY (recipient_uid, sender_uid, digest));
CREATE INDEX send_digests_by_age ON send_digests (created_ms);
CREATE TABLE accounts (
  uid        text PRIMARY KEY,
  token_hash text NOT NULL,
  created_ms bigint NOT NULL);
)sql",
};
static_assert(std::size(kMigrations) == kPgSchemaVersion);

Status Migrate(PgConn& conn) {
  if (Status s = conn.Exec("CREATE TABLE IF NOT EXISTS otc_schema (version integer NOT NULL)");
      !s.ok()) {
    return s;
  }
  Result<int64_t> version = conn.QueryInt("SELECT COALESCE(MAX(version), 0) FROM otc_schema");
  if (!version.ok()) return version.status();
  if (*version > kPgSchemaVersion) {
    return Status::Unsupported("schema version " + std::to_string(*version) +
                               " is not supported by this otc-relay (expects at most " +
                               std::to_string(kPgSchemaVersion) + ")");
  }
  for (int64_t v = *version; v < kPgSchemaVersion; ++v) {
    std::string step = "BEGIN;";
    step += kMigrations[v];
    step += "DELETE FROM otc_schema; INSERT INTO otc_schema VALUES (" + std::to_string(v + 1) +
            "); COMMIT;";
    if (Status s = conn.Exec(step.c_str()); !s.ok()) {
      (void)conn.Exec("ROLLBACK");
      return s.WithContext("migrating the schema to version " + std::to_string(v + 1));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CreateOrMigratePgSchema(PgConn& conn) {
  std::string lock = "SELECT pg_advisory_lock(" + std::to_string(kPgSchemaLock) + ")";
  if (Status s = conn.Exec(lock.c_str()); !s.ok()) return s;
  Status s = Migrate(conn);
  std::string unlock = "SELECT pg_advisory_unlock(" + std::to_string(kPgSchemaLock) + ")";
  Status u = conn.Exec(unlock.c_str());
  return s.ok() ? u : s;
}

}  // namespace otc::relay
