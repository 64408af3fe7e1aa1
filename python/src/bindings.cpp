// sembed._sembed: the nanobind extension under the Python package. It exposes the public C++ API
// (include/sembed/sembed.hpp, cross_encoder.hpp) and nothing else: loading, encode, token
// embeddings, tokenize, cross-encoder scores and model facts. Everything sentence-transformers-shaped (argument names, precision, truncate_dim,
// which prompt applies, similarity, util) is pure Python in python/sembed/, so this file stays a
// thin layer.
//
// Arrays: each result Matrix is moved to the heap and handed to numpy as the owner of its floats
// (no copy). The GIL is released while tokenizing and encoding, so Python threads calling one
// model run in parallel; the C++ Model is immutable and safe for concurrent callers.
// sembed::Error becomes Python's ValueError (the message names the input at fault).
#include <nanobind/nanobind.h>

#include <functional>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <sembed/cross_encoder.hpp>
#include <sembed/sembed.hpp>

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using FloatArray = nb::ndarray<nb::numpy, float, nb::ndim<2>, nb::c_contig>;

// A numpy array that owns `matrix` (moved to the heap; freed when the array dies).
FloatArray to_numpy(sembed::Matrix&& matrix) {
  auto* owned = new sembed::Matrix(std::move(matrix));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<sembed::Matrix*>(p); });
  return FloatArray(owned->data.data(), {owned->rows, owned->cols}, owner);
}

std::function<void(size_t, size_t)> progress_callback(nb::object progress) {
  if (progress.is_none()) return {};
  // Called by the working thread with the GIL released; take it for the Python callback.
  return [progress](size_t done, size_t total) {
    nb::gil_scoped_acquire gil;
    progress(done, total);
  };
}

sembed::EncodeOptions make_options(size_t batch_size, std::optional<bool> normalize,
                                   std::optional<size_t> max_length,
                                   std::optional<std::string> prompt, nb::object progress,
                                   const std::string& long_text = "truncate",
                                   size_t chunk_overlap = sembed::EncodeOptions{}.chunk_overlap) {
  if (batch_size == 0) throw nb::value_error("batch_size must be a positive integer, got 0");
  sembed::EncodeOptions options;
  options.batch_size = batch_size;
  options.normalize = normalize;
  options.max_length = max_length;
  // The Python side resolves which prompt applies (sentence-transformers' precedence, with the
  // constructor's prompts); "" means none. The engine prepends it and, for Pooling with
  // include_prompt: false, leaves its tokens out of the pooling.
  options.prompt = std::move(prompt);
  options.progress = progress_callback(progress);
  options.long_text = sembed::parse_long_text(long_text);
  options.chunk_overlap = chunk_overlap;
  return options;
}

nb::dict info_dict(const sembed::ModelInfo& info) {
  nb::dict d;
  d["dir"] = info.dir.string();
  d["family"] = info.family;
  d["model_type"] = info.model_type;
  d["architecture"] = info.architecture;
  d["hidden_size"] = info.hidden_size;
  d["num_layers"] = info.num_layers;
  d["num_heads"] = info.num_heads;
  d["intermediate_size"] = info.intermediate_size;
  d["vocab_size"] = info.vocab_size;
  d["max_seq_length"] = info.max_seq_length;
  d["pooling"] = std::string(sembed::to_string(info.pooling));
  d["pooling_include_prompt"] = info.pooling_include_prompt;
  d["normalize"] = info.normalize;
  d["modules"] = info.modules;
  nb::dict prompts;
  for (const auto& [name, text] : info.prompts) prompts[nb::str(name.c_str())] = text;
  d["prompts"] = prompts;
  d["default_prompt_name"] = info.default_prompt_name;
  d["weight_file"] = info.weight_file;
  d["weight_dtype"] = info.weight_dtype;
  d["dtype"] = std::string(sembed::to_string(info.dtype));
  d["matmul_kernel"] = info.matmul_kernel;
  d["matmul_weight_bytes"] = info.matmul_weight_bytes;
  d["cpu_features"] = info.cpu_features;
  d["parameter_count"] = info.parameter_count;
  d["load_seconds"] = info.load_seconds;
  d["notes"] = info.notes;
  d["labels"] = info.labels;
  d["activation"] = info.activation;
  return d;
}

}  // namespace

NB_MODULE(_sembed, m) {
  m.doc() = "sembed C++ engine (use the sembed package, not this module)";
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const sembed::Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def(
      "resolve_model_dir",
      [](std::optional<std::string> dir) {
        std::optional<std::filesystem::path> explicit_dir;
        if (dir) explicit_dir = *dir;
        return sembed::resolve_model_dir(explicit_dir).string();
      },
      "dir"_a = nb::none(),
      "The model directory sembed uses: dir, else $SEMBED_MODEL, else the default model.");

  nb::class_<sembed::Model>(m, "Model")
      .def_static(
          "load",
          [](const std::string& dir, int threads, const std::string& dtype) {
            sembed::LoadOptions options;
            options.threads = threads;
            options.dtype = sembed::parse_dtype(dtype);
            nb::gil_scoped_release release;
            return sembed::Model::load(dir, options);
          },
          "dir"_a, "threads"_a = 0, "dtype"_a = "float32")
      .def(
          "encode",
          [](const sembed::Model& model, std::vector<std::string> texts, size_t batch_size,
             std::optional<bool> normalize, std::optional<size_t> max_length,
             std::optional<std::string> prompt, nb::object progress, const std::string& long_text,
             size_t chunk_overlap) {
            const auto options = make_options(batch_size, normalize, max_length, prompt, progress,
                                              long_text, chunk_overlap);
            sembed::Matrix result;
            {
              nb::gil_scoped_release release;
              result = model.encode(texts, options);
            }
            return to_numpy(std::move(result));
          },
          "texts"_a, "batch_size"_a = 32, "normalize"_a = nb::none(), "max_length"_a = nb::none(),
          "prompt"_a = nb::none(), "progress"_a = nb::none(), "long_text"_a = "truncate",
          "chunk_overlap"_a = sembed::EncodeOptions{}.chunk_overlap,
          "float32 [len(texts), dimension] sentence embeddings, rows in input order.")
      .def(
          "encode_chunks",
          [](const sembed::Model& model, std::vector<std::string> texts, size_t batch_size,
             std::optional<bool> normalize, std::optional<size_t> max_length,
             std::optional<std::string> prompt, nb::object progress, size_t chunk_overlap) {
            const auto options = make_options(batch_size, normalize, max_length, prompt, progress,
                                              "chunk", chunk_overlap);
            std::vector<sembed::ChunkedText> per_text;
            {
              nb::gil_scoped_release release;
              per_text = model.encode_chunks(texts, options);
            }
            nb::list out;
            for (auto& t : per_text) {
              std::vector<size_t> token_begin, token_end, char_begin, char_end;
              for (const auto& c : t.chunks) {
                token_begin.push_back(c.token_begin);
                token_end.push_back(c.token_end);
                char_begin.push_back(c.char_begin);
                char_end.push_back(c.char_end);
              }
              nb::dict d;
              d["embeddings"] = to_numpy(std::move(t.embeddings));
              d["token_begin"] = token_begin;
              d["token_end"] = token_end;
              d["char_begin"] = char_begin;
              d["char_end"] = char_end;
              out.append(d);
            }
            return out;
          },
          "texts"_a, "batch_size"_a = 32, "normalize"_a = nb::none(), "max_length"_a = nb::none(),
          "prompt"_a = nb::none(), "progress"_a = nb::none(),
          "chunk_overlap"_a = sembed::EncodeOptions{}.chunk_overlap,
          "Per text: its token windows (token and character ranges) and each window's embedding.")
      .def(
          "encode_tokens",
          [](const sembed::Model& model, std::vector<std::string> texts, size_t batch_size,
             std::optional<size_t> max_length, std::optional<std::string> prompt,
             nb::object progress) {
            const auto options =
                make_options(batch_size, std::nullopt, max_length, prompt, progress);
            std::vector<sembed::Matrix> result;
            {
              nb::gil_scoped_release release;
              result = model.encode_tokens(texts, options);
            }
            nb::list out;
            for (auto& matrix : result) out.append(to_numpy(std::move(matrix)));
            return out;
          },
          "texts"_a, "batch_size"_a = 32, "max_length"_a = nb::none(), "prompt"_a = nb::none(),
          "progress"_a = nb::none(),
          "Per text a float32 [n_tokens, hidden] array of the last hidden state.")
      .def(
          "tokenize",
          [](const sembed::Model& model, std::vector<std::string> texts,
             std::optional<size_t> max_length, bool truncate) {
            std::vector<sembed::TokenizedText> result;
            result.reserve(texts.size());
            {
              nb::gil_scoped_release release;
              for (const auto& text : texts)
                result.push_back(model.tokenize(text, max_length, truncate));
            }
            nb::list out;
            for (auto& t : result) {
              nb::dict d;
              d["input_ids"] = t.ids;
              d["token_type_ids"] = t.type_ids;
              d["tokens"] = t.tokens;
              d["offsets"] = t.offsets;
              out.append(d);
            }
            return out;
          },
          "texts"_a, "max_length"_a = nb::none(), "truncate"_a = true,
          "Per text a dict of input_ids, token_type_ids, tokens and code-point offsets.")
      .def("dimension", &sembed::Model::dimension)
      .def("max_seq_length", &sembed::Model::max_seq_length)
      .def("info", [](const sembed::Model& model) { return info_dict(model.info()); });

  nb::class_<sembed::CrossEncoder>(m, "CrossEncoder")
      .def_static(
          "load",
          [](const std::string& dir, int threads) {
            nb::gil_scoped_release release;
            return sembed::CrossEncoder::load(dir, sembed::LoadOptions{threads});
          },
          "dir"_a, "threads"_a = 0)
      .def(
          "predict",
          [](const sembed::CrossEncoder& ce, std::vector<std::pair<std::string, std::string>> pairs,
             size_t batch_size, bool apply_activation, bool apply_softmax,
             std::optional<size_t> max_length, nb::object progress) {
            if (batch_size == 0)
              throw nb::value_error("batch_size must be a positive integer, got 0");
            sembed::PredictOptions options;
            options.batch_size = batch_size;
            options.apply_activation = apply_activation;
            options.apply_softmax = apply_softmax;
            options.max_length = max_length;
            options.progress = progress_callback(progress);
            sembed::Matrix result;
            {
              nb::gil_scoped_release release;
              result = ce.predict(pairs, options);
            }
            return to_numpy(std::move(result));
          },
          "pairs"_a, "batch_size"_a = 32, "apply_activation"_a = true, "apply_softmax"_a = false,
          "max_length"_a = nb::none(), "progress"_a = nb::none(),
          "float32 [len(pairs), num_labels] scores, rows in input order.")
      .def("num_labels", &sembed::CrossEncoder::num_labels)
      .def("max_seq_length", &sembed::CrossEncoder::max_seq_length)
      .def("info", [](const sembed::CrossEncoder& ce) { return info_dict(ce.info()); });
}
