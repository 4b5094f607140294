#include "padgen/store_registrar.h"

namespace otc::padgen {
namespace {

// Placeholder until padstore's contact registration lands (see the padgen report).
class PadstoreRegistrar final : public StoreRegistrar {
 public:
  explicit PadstoreRegistrar(Env& env) : env_(env) {}

  Status Check(const std::string&, const std::string&, bool) override { return Status::Ok(); }
  Status Prepare(const std::string& dir) override { return env_.CreateDir(dir); }
  DestinationSpec PadLocation(const std::string& dir, const std::string& user,
                              const std::string& peer) override {
    DestinationSpec spec;
    spec.label = user;
    spec.pad_path = dir + "/contacts/" + peer + "/pad";
    spec.manifest_path = spec.pad_path + ".manifest";
    return spec;
  }
  Status Register(const ContactRegistration&) override {
    return Status::Unsupported("padstore contact registration is not available in this build");
  }

 private:
  Env& env_;
};

}  // namespace

std::unique_ptr<StoreRegistrar> MakePadstoreRegistrar(Env& env) {
  return std::make_unique<PadstoreRegistrar>(env);
}

}  // namespace otc::padgen
