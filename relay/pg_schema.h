// The PostgreSQL store's schema and its migrations by version number (see pg_store.h for
// the tables). CreateOrMigrate runs at start under an advisory lock, so relays starting
// at the same time do not race; a database newer than this build is refused.
#pragma once

#include "relay/pg_conn.h"

namespace otc::relay {

constexpr int kPgSchemaVersion = 1;
// Advisory lock keys ("otc" in ASCII, plus one per use).
constexpr int64_t kPgSchemaLock = 0x6f7463'00;
constexpr int64_t kPgWriteLock = 0x6f7463'01;

Status CreateOrMigratePgSchema(PgConn& conn);

}  // namespace otc::relay
