// TemplateProcessing (see template.hpp), and its tokenizer.json reader.
#include "tokenizer/processors/template.hpp"

#include <map>

namespace sembed::tokenizer {
namespace {

size_t count_added(const std::vector<TemplatePiece>& t) {
  size_t n = 0;
  for (const TemplatePiece& p : t) n += p.is_sequence ? 0 : p.ids.size();
  return n;
}

}  // namespace

TemplateProcessing::TemplateProcessing(std::vector<TemplatePiece> single,
                                       std::vector<TemplatePiece> pair)
    : single_(std::move(single)), pair_(std::move(pair)) {
  single_added_ = count_added(single_);
  pair_added_ = count_added(pair_);
}

void TemplateProcessing::process(const Encoding& a, const Encoding* b, bool add_special_tokens,
                                 Encoding& out) const {
  out = Encoding{};
  for (const TemplatePiece& p : b != nullptr ? pair_ : single_) {
    if (p.is_sequence) {
      const Encoding* s = p.sequence == 0 ? &a : b;
      if (s != nullptr) append_encoding(*s, p.type_id, out);
      continue;
    }
    if (!add_special_tokens) continue;
    out.ids.insert(out.ids.end(), p.ids.begin(), p.ids.end());
    out.tokens.insert(out.tokens.end(), p.tokens.begin(), p.tokens.end());
    out.offsets.insert(out.offsets.end(), p.ids.size(), {0, 0});
    out.type_ids.insert(out.type_ids.end(), p.ids.size(), p.type_id);
  }
  out.attention_mask.assign(out.ids.size(), 1);
}

std::unique_ptr<TemplateProcessing> bert_template(const std::string& cls_token, int32_t cls_id,
                                                  const std::string& sep_token, int32_t sep_id) {
  auto special = [](const std::string& token, int32_t id, int32_t type_id) {
    TemplatePiece p;
    p.tokens = {token};
    p.ids = {id};
    p.type_id = type_id;
    return p;
  };
  TemplatePiece a, b;
  a.is_sequence = true;
  b.is_sequence = true;
  b.sequence = 1;
  b.type_id = 1;
  const TemplatePiece cls = special(cls_token, cls_id, 0), sep = special(sep_token, sep_id, 0);
  return std::make_unique<TemplateProcessing>(
      std::vector<TemplatePiece>{cls, a, sep},
      std::vector<TemplatePiece>{cls, a, sep, b, special(sep_token, sep_id, 1)});
}

std::unique_ptr<PostProcessor> build_template_processing(const json& j, const StageContext& ctx) {
  struct Special {
    std::vector<int32_t> ids;
    std::vector<std::string> tokens;
  };
  std::map<std::string, Special> specials;
  if (auto st = j.find("special_tokens"); st != j.end() && !st->is_null()) {
    if (!st->is_object()) ctx.fail("special_tokens", "must be an object");
    const StageContext sctx = ctx.at("special_tokens");
    for (auto& [key, value] : st->items()) {
      const StageContext kctx = sctx.at(key);
      if (!value.is_object()) kctx.fail("must be an object");
      Special s;
      for (const json& id : kctx.require_array(value, "ids")) {
        s.ids.push_back(static_cast<int32_t>(kctx.int_value(id, 0, kMaxCount, kctx.path + ".ids")));
      }
      for (const json& t : kctx.require_array(value, "tokens")) {
        if (!t.is_string()) kctx.fail("tokens", "must be a list of strings");
        s.tokens.push_back(t.get<std::string>());
      }
      if (s.ids.size() != s.tokens.size())
        kctx.fail("has as many ids as tokens? no: lengths differ");
      specials[key] = std::move(s);
    }
  }
  auto read_template = [&](const char* name) {
    std::vector<TemplatePiece> pieces;
    const json& t = ctx.require_array(j, name);
    const StageContext tctx = ctx.at(name);
    for (size_t i = 0; i < t.size(); ++i) {
      const json& item = t[i];
      const StageContext ictx = tctx.index(i);
      if (!item.is_object()) ictx.fail("must be an object");
      if (auto s = item.find("SpecialToken"); s != item.end()) {
        const std::string id = ictx.at("SpecialToken").require_string(*s, "id");
        auto it = specials.find(id);
        if (it == specials.end()) {
          ictx.fail("SpecialToken", "names '" + id + "', which special_tokens does not define");
        }
        TemplatePiece p;
        p.ids = it->second.ids;
        p.tokens = it->second.tokens;
        p.type_id =
            static_cast<int32_t>(ictx.at("SpecialToken").get_int(*s, "type_id", 0, kMaxCount, 0));
        pieces.push_back(std::move(p));
      } else if (auto q = item.find("Sequence"); q != item.end()) {
        TemplatePiece p;
        p.is_sequence = true;
        const std::string id = ictx.at("Sequence").get_string(*q, "id", "A");
        if (id != "A" && id != "B") ictx.fail("Sequence.id", "is '" + id + "' (expected A or B)");
        p.sequence = id == "A" ? 0 : 1;
        p.type_id =
            static_cast<int32_t>(ictx.at("Sequence").get_int(*q, "type_id", 0, kMaxCount, 0));
        pieces.push_back(std::move(p));
      } else {
        ictx.fail("is neither a SpecialToken nor a Sequence: " + item.dump().substr(0, 80));
      }
    }
    return pieces;
  };
  return std::make_unique<TemplateProcessing>(read_template("single"), read_template("pair"));
}

}  // namespace sembed::tokenizer
