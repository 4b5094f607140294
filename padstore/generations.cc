#include "padstore/generations.h"

#include <algorithm>

#include "common/pad_vocabulary.h"

namespace otc::padstore {
namespace {

// "gen-N" with N in [1, kMaxGeneration] written without leading zeros.
bool ParseGenerationDirName(const std::string& name, uint32_t* gen) {
  if (name.size() < 5 || name.size() > 9 || name.rfind("gen-", 0) != 0 || name[4] == '0') {
    return false;
  }
  uint32_t g = 0;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    g = g * 10 + static_cast<uint32_t>(name[i] - '0');
  }
  if (g < 1 || g > kMaxGeneration) return false;
  *gen = g;
  return true;
}

bool HoldsAnything(Env& env, const StorePaths& paths, const std::string& peer, uint32_t gen) {
  return env.FileExists(paths.Meta(peer, gen)) || env.FileExists(paths.Journal(peer, gen)) ||
         env.FileExists(paths.Pad(peer, gen)) || env.FileExists(paths.Manifest(peer, gen));
}

}  // namespace

std::vector<uint32_t> GenerationsOnDisk(Env& env, const StorePaths& paths,
                                        const std::string& peer) {
  std::vector<uint32_t> gens;
  if (HoldsAnything(env, paths, peer, 0)) gens.push_back(0);
  Result<std::vector<std::string>> names = env.GetChildren(paths.ContactDir(peer));
  if (!names.ok()) return gens;
  for (const std::string& name : *names) {
    uint32_t gen = 0;
    if (ParseGenerationDirName(name, &gen) && HoldsAnything(env, paths, peer, gen)) {
      gens.push_back(gen);
    }
  }
  std::sort(gens.begin(), gens.end());
  return gens;
}

NextGenerationSlot NextGenerationOnDisk(Env& env, const StorePaths& paths,
                                        const std::string& peer) {
  std::vector<uint32_t> gens = GenerationsOnDisk(env, paths, peer);
  if (gens.empty()) return {0, false};
  const uint32_t newest = gens.back();
  if (!env.FileExists(paths.Meta(peer, newest))) return {newest, true};
  return {newest + 1, false};
}

}  // namespace otc::padstore
