#include "padgen/job_report.h"

#include "common/byte_size.h"
#include "padgen/progress.h"

namespace otc::padgen {
namespace {

using json = nlohmann::json;

json DestinationsJson(const std::vector<DestinationSummary>& destinations) {
  json out = json::array();
  for (const DestinationSummary& d : destinations) {
    json j = {
        {"label", d.spec.label}, {"pad", d.spec.pad_path}, {"manifest", d.spec.manifest_path}};
    if (d.direct_io) j["direct_io"] = *d.direct_io;
    if (!d.user.empty()) {
      j["user"] = d.user;
      j["peer"] = d.peer;
      j["store"] = d.store;
      j["direction"] = DirectionSign(d.direction);
    }
    out.push_back(std::move(j));
  }
  return out;
}

json SourcesJson(const std::vector<SourceSummary>& sources, const HealthTestConfig& health) {
  json out = json::array();
  for (const SourceSummary& src : sources) {
    const StreamStats& s = src.stats;
    json j = {{"name", s.name},
              {"kind", s.kind},
              {"bytes_read", s.bytes_read},
              {"bytes_accepted", s.bytes_accepted},
              {"bytes_accepted_before_generation", src.accepted_before_generation},
              {"bytes_discarded", s.bytes_discarded},
              {"rate_bytes_per_second", src.rate}};
    if (s.health_tested) {
      j["health_tests"] = {
          {"min_entropy", health.min_entropy}, {"alpha_exponent", health.alpha_exponent},
          {"rct_cutoff", s.rct_cutoff},        {"apt_cutoff", s.apt_cutoff},
          {"apt_window", health.apt_window},   {"rct_failures", s.rct_failures},
          {"apt_failures", s.apt_failures}};
    }
    out.push_back(std::move(j));
  }
  return out;
}

json RegisteredJson(const std::vector<ContactRegistration>& registered) {
  json out = json::array();
  for (const ContactRegistration& r : registered) {
    out.push_back({{"store", r.store_dir},
                   {"user", r.user},
                   {"contact", r.peer},
                   {"pad_generation", r.pad_generation},
                   {"direction", DirectionSign(r.direction)},
                   {"protocol", FormatName(r.format)}});
  }
  return out;
}

template <typename T>
void Put(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

void PutGeneration(json& j, const GenerationSummary& g, const HealthTestConfig& health) {
  Put(j, "assessment", g.assessment);
  Put(j, "source_bytes_skipped", g.source_bytes_skipped);
  Put(j, "source_bytes_needed", g.source_bytes_needed);
  Put(j, "measured_source_rate", g.measured_source_rate);
  Put(j, "generate_seconds", g.generate_seconds);
  if (g.sources) j["sources"] = SourcesJson(*g.sources, health);
  Put(j, "chunks_durable", g.chunks_durable);
  Put(j, "pad_id", g.pad_id);
  Put(j, "rate_bytes_per_second", g.rate);
}

}  // namespace

json SummaryJson(const JobResult& r) {
  json j = json::object();
  j["ok"] = r.exit_code == 0;
  j["exit_code"] = r.exit_code;
  if (!r.status.ok()) {
    j["error"] = {{"category", std::string(CodeName(r.status.code()))},
                  {"message", r.status.message()}};
  }
  j["size"] = r.size;
  j["chunk_size"] = r.chunk_size;
  j["chunks"] = r.chunks;
  if (r.extraction) {
    j["extraction"] = {{"method", "toeplitz"},
                       {"block_bits", r.extraction->block_bits},
                       {"output_bits", r.extraction->output_bits},
                       {"min_entropy", r.extraction->min_entropy},
                       {"epsilon_log2", r.extraction->epsilon_log2}};
  }
  Put(j, "mix", r.mix);
  Put(j, "guarantee", r.guarantee);
  if (r.destinations) j["destinations"] = DestinationsJson(*r.destinations);
  Put(j, "resumed_from_chunk", r.resumed_from_chunk);
  PutGeneration(j, r.generation, r.health);
  Put(j, "verified", r.verified);
  Put(j, "verify_seconds", r.verify_seconds);
  if (r.registered) j["registered"] = RegisteredJson(*r.registered);
  Put(j, "duration_seconds", r.duration_seconds);
  if (r.dry_run) j["dry_run"] = true;
  if (r.space) {
    json space = json::array();
    for (const SpaceNeed& f : *r.space) {
      space.push_back({{"dir", f.dir},
                       {"need", f.need},
                       {"free", f.free},
                       {"known", f.known},
                       {"labels", f.labels}});
    }
    j["space"] = std::move(space);
  }
  Put(j, "expected_seconds", r.expected_seconds);
  return j;
}

std::vector<std::string> DryRunLines(const JobResult& r) {
  std::vector<std::string> lines;
  if (r.space) {
    for (const SpaceNeed& f : *r.space) {
      std::string who;
      for (size_t i = 0; i < f.labels.size(); ++i) who += (i ? " and " : "") + f.labels[i];
      lines.push_back("space: " + who + " need " + FormatByteSize(f.need) +
                      " on the file system of " + f.dir +
                      (f.known ? " (" + FormatByteSize(f.free) + " free)"
                               : std::string(" (free space not reported)")));
    }
  }
  if (r.destinations) {
    for (const DestinationSummary& d : *r.destinations) {
      lines.push_back("destination " + d.spec.label + ": pad " + d.spec.pad_path + ", manifest " +
                      d.spec.manifest_path);
    }
  }
  lines.push_back("dry run: nothing was written; run without --dry-run to generate");
  return lines;
}

std::string DoneLine(const JobResult& r) {
  const GenerationSummary& g = r.generation;
  std::string done = "done: " + FormatByteSize(r.size) + " pad";
  if (!r.already_complete) {
    const size_t copies = r.destinations ? r.destinations->size() : 0;
    done += " written to " + std::to_string(copies) + " destinations in " +
            FormatDuration(g.generate_seconds.value_or(0)) + " (" + FormatRate(g.rate.value_or(0)) +
            ")";
  }
  uint64_t failures = 0;
  if (g.sources) {
    for (const SourceSummary& s : *g.sources)
      failures += s.stats.rct_failures + s.stats.apt_failures;
  }
  if (failures > 0) {
    done +=
        "; " + std::to_string(failures) + " HRNG block(s) failed a health test and were discarded";
  }
  done += r.verify_requested ? ", verified" : ", not verified (--no-verify)";
  if (r.registered && !r.registered->empty()) {
    const ContactRegistration& first = r.registered->front();
    done += first.pad_generation == 0
                ? ", contacts registered"
                : ", registered as generation " + std::to_string(first.pad_generation) +
                      " of contact " + first.peer + " (and of " + first.user + " for " +
                      first.peer + ")";
  }
  done += "; pad id " + g.pad_id.value_or("");
  return done;
}

}  // namespace otc::padgen
