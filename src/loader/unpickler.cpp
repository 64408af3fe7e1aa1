// The restricted pickle VM. Objects live in an arena and refer to each other by index, so a
// hostile pickle that builds cycles (a list appended to itself) cannot leak or recurse: nothing
// walks the object graph except the final, depth-1 read of the state dict.
#include "loader/unpickler.hpp"

#include <bit>
#include <cstdio>
#include <cstring>
#include <map>
#include <sembed/error.hpp>
#include <unordered_map>

namespace sembed::loader {

namespace {

enum class Kind : uint8_t {
  None,
  Bool,
  Int,
  Float,
  Str,
  Bytes,
  Tuple,
  List,
  Dict,
  // Allowed globals:
  OrderedDictClass,
  RebuildTensorV2,
  RebuildParameter,
  StorageType,
  // Results of the allowed calls:
  Storage,
  Tensor,
};

struct Obj {
  Kind kind = Kind::None;
  int64_t i = 0;                // Int, Bool; StorageType: dtype; Storage/Tensor: index
  double f = 0;                 // Float
  std::string s;                // Str, Bytes
  std::vector<uint32_t> items;  // Tuple, List; Dict as key, value, key, value...
};

struct StorageTypeName {
  const char* name;
  DType dtype;
};
constexpr StorageTypeName kStorageTypes[] = {
    {"FloatStorage", DType::F32},  {"HalfStorage", DType::F16}, {"BFloat16Storage", DType::BF16},
    {"DoubleStorage", DType::F64}, {"LongStorage", DType::I64}, {"IntStorage", DType::I32},
    {"ShortStorage", DType::I16},  {"CharStorage", DType::I8},  {"ByteStorage", DType::U8},
    {"BoolStorage", DType::Bool},
};

// A real state_dict needs ~20 objects per tensor; this bounds a hostile pickle to ~300 MB.
constexpr size_t kMaxObjects = 4'000'000;
constexpr size_t kMaxDims = 64;

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, const std::string& label)
      : d_(data), n_(size), label_(label) {}

  PickledStateDict run();

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(label_ + ": " + what + " (pickle offset " + std::to_string(op_at_) + ")");
  }
  const uint8_t* take(uint64_t len) {
    if (len > n_ - pos_) fail("pickle truncated");
    const uint8_t* p = d_ + pos_;
    pos_ += static_cast<size_t>(len);
    return p;
  }
  uint64_t le(int bytes) {
    const uint8_t* p = take(static_cast<uint64_t>(bytes));
    uint64_t v = 0;
    for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | p[k];
    return v;
  }
  std::string line() {  // for GLOBAL: "module\nname\n"
    const auto* start = d_ + pos_;
    const void* nl = std::memchr(start, '\n', n_ - pos_);
    if (!nl) fail("pickle truncated in GLOBAL");
    const size_t len = static_cast<size_t>(static_cast<const uint8_t*>(nl) - start);
    pos_ += len + 1;
    return std::string(reinterpret_cast<const char*>(start), len);
  }

  uint32_t make(Obj o) {
    if (objs_.size() >= kMaxObjects) fail("pickle builds too many objects");
    objs_.push_back(std::move(o));
    return static_cast<uint32_t>(objs_.size() - 1);
  }
  uint32_t make(Kind k, int64_t i = 0) {
    Obj o;
    o.kind = k;
    o.i = i;
    return make(std::move(o));
  }
  void push(uint32_t id) { stack_.push_back(id); }
  uint32_t pop() {
    if (stack_.size() <= mark_floor()) fail("pickle stack underflow");
    const uint32_t id = stack_.back();
    stack_.pop_back();
    return id;
  }
  uint32_t top() {
    if (stack_.size() <= mark_floor()) fail("pickle stack underflow");
    return stack_.back();
  }
  size_t mark_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  // Items since the last MARK, removing them and the mark.
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) fail("pickle has no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  Obj& obj(uint32_t id) { return objs_[id]; }

  void memo_put(uint64_t key) {
    if (memo_.size() >= kMaxObjects) fail("pickle memo too large");
    memo_[key] = top();
  }
  void memo_get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end())
      fail("pickle refers to memo entry " + std::to_string(key) + ", never stored");
    push(it->second);
  }

  void op_global(const std::string& module, const std::string& name);
  void op_reduce();
  void op_build();
  void op_persid();
  void add_items(uint32_t target, const std::vector<uint32_t>& items, bool pairs);
  int64_t as_int(uint32_t id, const char* what) {
    if (obj(id).kind != Kind::Int) fail(std::string(what) + " is not an integer");
    return obj(id).i;
  }
  std::vector<int64_t> as_int_tuple(uint32_t id, const char* what) {
    const Obj& o = obj(id);
    if (o.kind != Kind::Tuple) fail(std::string(what) + " is not a tuple");
    if (o.items.size() > kMaxDims) fail(std::string(what) + " has too many dimensions");
    std::vector<int64_t> v;
    for (uint32_t it : o.items) {
      v.push_back(as_int(it, what));
      if (v.back() < 0) fail(std::string(what) + " has a negative entry");
    }
    return v;
  }
  std::string utf8(const uint8_t* p, uint64_t len);

  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
  size_t op_at_ = 0;
  const std::string& label_;
  std::vector<Obj> objs_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
  PickledStateDict out_;
  std::vector<PickledTensor> tensors_;  // built by _rebuild_tensor_v2, named at the end
  std::map<std::string, size_t> storage_by_key_;
};

std::string Machine::utf8(const uint8_t* p, uint64_t len) {
  // Python refuses ill-formed UTF-8 here too; names must be text.
  for (uint64_t k = 0; k < len;) {
    const uint8_t c = p[k];
    const int extra = c < 0x80           ? 0
                      : (c >> 5) == 0x6  ? 1
                      : (c >> 4) == 0xe  ? 2
                      : (c >> 3) == 0x1e ? 3
                                         : -1;
    if (extra < 0 || len - k <= static_cast<uint64_t>(extra)) fail("string is not valid UTF-8");
    uint32_t cp = extra == 0 ? c : c & (0x3fu >> extra);
    for (int e = 1; e <= extra; ++e) {
      if ((p[k + e] & 0xc0) != 0x80) fail("string is not valid UTF-8");
      cp = (cp << 6) | (p[k + e] & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      fail("string is not valid UTF-8");
    k += static_cast<uint64_t>(extra) + 1;
  }
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
}

void Machine::op_global(const std::string& module, const std::string& name) {
  if (module == "collections" && name == "OrderedDict") return push(make(Kind::OrderedDictClass));
  if (module == "torch._utils" && name == "_rebuild_tensor_v2")
    return push(make(Kind::RebuildTensorV2));
  if (module == "torch._utils" && name == "_rebuild_parameter")
    return push(make(Kind::RebuildParameter));
  if (module == "torch")
    for (const auto& st : kStorageTypes)
      if (name == st.name) return push(make(Kind::StorageType, static_cast<int64_t>(st.dtype)));
  // Printable names only in the message: a hostile pickle controls these bytes.
  std::string shown = module + "." + name;
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
  fail("forbidden global '" + shown +
       "': a weight file may only reference what a torch state_dict needs, and this one is "
       "refused without running anything");
}

void Machine::add_items(uint32_t target, const std::vector<uint32_t>& items, bool pairs) {
  Obj& t = obj(target);
  if (pairs) {
    if (t.kind != Kind::Dict) fail("SETITEM(S) on something that is not a dict");
    if (items.size() % 2) fail("SETITEMS with an odd number of items");
  } else if (t.kind != Kind::List) {
    fail("APPEND(S) on something that is not a list");
  }
  t.items.insert(t.items.end(), items.begin(), items.end());
}

void Machine::op_persid() {
  const uint32_t pid = pop();
  const Obj& t = obj(pid);
  if (t.kind != Kind::Tuple || t.items.size() != 5 || obj(t.items[0]).kind != Kind::Str ||
      obj(t.items[0]).s != "storage")
    fail("persistent id is not ('storage', type, key, location, numel)");
  const Obj& type = obj(t.items[1]);
  const Obj& key = obj(t.items[2]);
  if (type.kind != Kind::StorageType) fail("persistent id names no torch storage type");
  if (key.kind != Kind::Str || key.s.empty() || key.s.size() > 64)
    fail("persistent id has a bad storage key");
  for (char c : key.s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
      fail("storage key '" + key.s + "' is not a plain name");
  const int64_t numel = as_int(t.items[4], "storage size");
  if (numel < 0) fail("storage size is negative");
  const auto dtype = static_cast<DType>(type.i);
  auto [it, fresh] = storage_by_key_.emplace(key.s, out_.storages.size());
  if (fresh) {
    out_.storages.push_back({key.s, dtype, static_cast<uint64_t>(numel)});
  } else if (out_.storages[it->second].dtype != dtype ||
             out_.storages[it->second].numel != static_cast<uint64_t>(numel)) {
    fail("storage '" + key.s + "' is described twice differently");
  }
  push(make(Kind::Storage, static_cast<int64_t>(it->second)));
}

void Machine::op_reduce() {
  const uint32_t args_id = pop();
  const uint32_t fn_id = pop();
  if (obj(args_id).kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
  const std::vector<uint32_t> args = obj(args_id).items;  // copy: make() may reallocate objs_
  switch (obj(fn_id).kind) {
    case Kind::OrderedDictClass:
      if (!args.empty()) fail("OrderedDict(...) with arguments is not supported");
      return push(make(Kind::Dict));
    case Kind::RebuildTensorV2: {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.size() != 6 && args.size() != 7) fail("_rebuild_tensor_v2 with wrong arguments");
      if (obj(args[0]).kind != Kind::Storage) fail("_rebuild_tensor_v2 without a storage");
      PickledTensor t;
      t.storage = static_cast<size_t>(obj(args[0]).i);
      t.storage_offset = as_int(args[1], "storage offset");
      if (t.storage_offset < 0) fail("storage offset is negative");
      t.shape = as_int_tuple(args[2], "tensor size");
      t.stride = as_int_tuple(args[3], "tensor stride");
      if (t.shape.size() != t.stride.size()) fail("tensor size and stride differ in length");
      tensors_.push_back(std::move(t));
      return push(make(Kind::Tensor, static_cast<int64_t>(tensors_.size() - 1)));
    }
    case Kind::RebuildParameter:
      // (data, requires_grad, backward_hooks): a Parameter is its data for our purposes.
      if (args.size() != 3 || obj(args[0]).kind != Kind::Tensor)
        fail("_rebuild_parameter with wrong arguments");
      return push(args[0]);
    default:
      fail("REDUCE on something that is not an allowed callable");
  }
}

void Machine::op_build() {
  pop();  // the state: for an OrderedDict it is {'_metadata': ...}, which we do not need
  const Kind k = obj(top()).kind;
  if (k != Kind::Dict && k != Kind::Tensor) fail("BUILD on an unsupported object");
}

PickledStateDict Machine::run() {
  for (;;) {
    op_at_ = pos_;
    const uint8_t op = *take(1);
    switch (op) {
      case 0x80:  // PROTO
        if (*take(1) > 5) fail("pickle protocol newer than 5");
        break;
      case 0x95:  // FRAME: framing is only a buffering hint
        take(8);
        break;
      case '.': {  // STOP
        const uint32_t result = pop();
        const Obj& dict = obj(result);
        if (dict.kind != Kind::Dict)
          fail("the pickle is not a state_dict (a dict of name -> tensor)");
        for (size_t k = 0; k + 1 < dict.items.size(); k += 2) {
          const Obj& key = obj(dict.items[k]);
          const Obj& val = obj(dict.items[k + 1]);
          if (key.kind != Kind::Str) fail("a state_dict key is not a string");
          if (val.kind != Kind::Tensor)
            fail("state_dict entry '" + key.s +
                 "' is not a tensor (nested checkpoints such as "
                 "{'state_dict': ...} are not supported)");
          PickledTensor t = tensors_[static_cast<size_t>(val.i)];
          t.name = key.s;
          out_.tensors.push_back(std::move(t));
        }
        if (pos_ != n_) fail("bytes after the end of the pickle");
        return std::move(out_);
      }
      case '(':  // MARK
        marks_.push_back(stack_.size());
        break;
      case '0':  // POP
        pop();
        break;
      case '1':  // POP_MARK
        pop_mark();
        break;
      case '2':  // DUP
        push(top());
        break;
      case 'N':
        push(make(Kind::None));
        break;
      case 0x88:  // NEWTRUE
        push(make(Kind::Bool, 1));
        break;
      case 0x89:  // NEWFALSE
        push(make(Kind::Bool, 0));
        break;
      case 'J':  // BININT
        push(make(Kind::Int, static_cast<int32_t>(le(4))));
        break;
      case 'K':  // BININT1
        push(make(Kind::Int, static_cast<int64_t>(le(1))));
        break;
      case 'M':  // BININT2
        push(make(Kind::Int, static_cast<int64_t>(le(2))));
        break;
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const uint64_t len = le(1);
        if (len > 8) fail("integer wider than 64 bits");
        const uint8_t* p = take(len);
        uint64_t v = 0;
        for (uint64_t k = len; k-- > 0;) v = (v << 8) | p[k];
        if (len > 0 && len < 8 && (p[len - 1] & 0x80)) v |= ~uint64_t(0) << (8 * len);
        push(make(Kind::Int, static_cast<int64_t>(v)));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        uint64_t bits = 0;
        const uint8_t* p = take(8);
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
        Obj o;
        o.kind = Kind::Float;
        o.f = std::bit_cast<double>(bits);
        push(make(std::move(o)));
        break;
      }
      case 'X':
      case 0x8c:
      case 0x8d: {  // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
        const uint64_t len = le(op == 0x8c ? 1 : op == 'X' ? 4 : 8);
        const uint8_t* p = take(len);
        Obj o;
        o.kind = Kind::Str;
        o.s = utf8(p, len);
        push(make(std::move(o)));
        break;
      }
      case 'U':
      case 'T':
      case 'C':
      case 'B': {  // SHORT_BINSTRING, BINSTRING, (SHORT_)BINBYTES
        const uint64_t len = le(op == 'U' || op == 'C' ? 1 : 4);
        const uint8_t* p = take(len);
        Obj o;
        // Python 2 str pickles (U, T) decode to text in Python 3 with encoding='ascii'/'utf-8'.
        o.kind = (op == 'U' || op == 'T') ? Kind::Str : Kind::Bytes;
        o.s =
            o.kind == Kind::Str ? utf8(p, len) : std::string(reinterpret_cast<const char*>(p), len);
        push(make(std::move(o)));
        break;
      }
      case ')':  // EMPTY_TUPLE
        push(make(Kind::Tuple));
        break;
      case ']':  // EMPTY_LIST
        push(make(Kind::List));
        break;
      case '}':  // EMPTY_DICT
        push(make(Kind::Dict));
        break;
      case 't':
      case 'l':
      case 'd': {  // TUPLE, LIST, DICT from the last MARK
        Obj o;
        o.kind = op == 't' ? Kind::Tuple : op == 'l' ? Kind::List : Kind::Dict;
        o.items = pop_mark();
        if (op == 'd' && o.items.size() % 2) fail("DICT with an odd number of items");
        push(make(std::move(o)));
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        Obj o;
        o.kind = Kind::Tuple;
        o.items.resize(op - 0x84);
        for (size_t k = o.items.size(); k-- > 0;) o.items[k] = pop();
        push(make(std::move(o)));
        break;
      }
      case 'a': {  // APPEND
        const uint32_t v = pop();
        add_items(top(), {v}, false);
        break;
      }
      case 'e': {  // APPENDS
        auto items = pop_mark();
        add_items(top(), items, false);
        break;
      }
      case 's': {  // SETITEM
        const uint32_t v = pop();
        const uint32_t k = pop();
        add_items(top(), {k, v}, true);
        break;
      }
      case 'u': {  // SETITEMS
        auto items = pop_mark();
        add_items(top(), items, true);
        break;
      }
      case 'q':  // BINPUT
        memo_put(le(1));
        break;
      case 'r':  // LONG_BINPUT
        memo_put(le(4));
        break;
      case 0x94:  // MEMOIZE
        memo_put(memo_.size());
        break;
      case 'h':  // BINGET
        memo_get(le(1));
        break;
      case 'j':  // LONG_BINGET
        memo_get(le(4));
        break;
      case 'c': {  // GLOBAL
        const std::string module = line();
        const std::string name = line();
        op_global(module, name);
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        const uint32_t name = pop();
        const uint32_t module = pop();
        if (obj(name).kind != Kind::Str || obj(module).kind != Kind::Str)
          fail("STACK_GLOBAL without strings");
        op_global(obj(module).s, obj(name).s);
        break;
      }
      case 'R':
        op_reduce();
        break;
      case 'b':
        op_build();
        break;
      case 'Q':
        op_persid();
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported pickle opcode ") + hex +
             " (only what a torch state_dict uses is understood)");
      }
    }
  }
}

}  // namespace

PickledStateDict unpickle_state_dict(const uint8_t* data, size_t size, const std::string& label) {
  if (size == 0) throw Error(label + ": empty pickle");
  Machine m(data, size, label);
  return m.run();
}

}  // namespace sembed::loader
