// A restricted unpickler for the data.pkl of a torch.save'd state_dict. It is a small pickle
// virtual machine that knows only the opcodes a state_dict uses and only these globals:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter
// and the torch.*Storage types; storages arrive as persistent ids
// ('storage', <type>, key, location, numel). Any other global (os.system, builtins.eval, ...)
// is refused with a sembed::Error naming it, before anything could be called: nothing is ever
// executed, imported or allocated beyond bounded bookkeeping.
// Does not read storage bytes (torch_bin.cpp does that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "loader/dtype.hpp"

namespace sembed::loader {

struct PickledStorage {
  std::string key;  // the zip entry is <archive>/data/<key>
  DType dtype = DType::F32;
  uint64_t numel = 0;
};

struct PickledTensor {
  std::string name;
  size_t storage = 0;  // index into PickledStateDict::storages
  int64_t storage_offset = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

struct PickledStateDict {
  std::vector<PickledStorage> storages;
  std::vector<PickledTensor> tensors;  // in the pickle's order
};

// label names the file in errors. Throws sembed::Error on anything that is not a flat
// {name: tensor} dict built from the allowed globals.
PickledStateDict unpickle_state_dict(const uint8_t* data, size_t size, const std::string& label);

}  // namespace sembed::loader
