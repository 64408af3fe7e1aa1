// How chunk mode turns a long text's windows into one vector (EncodeOptions::long_text): shared
// by Model::encode and the server, which batches windows itself.
#pragma once

#include <sembed/sembed.hpp>

#include <cstddef>
#include <vector>

namespace sembed::engine {

// Row i: the mean of rows [first[i], first[i + 1]), row w weighted by weights[w] (the text
// tokens window w holds), accumulated in double. A lone row is copied bit for bit, so a text that
// fits in one window gets exactly what truncation gives. first has one entry per text plus one.
Matrix mean_of_windows(const Matrix& rows, const std::vector<size_t>& first,
                       const std::vector<size_t>& weights);

}  // namespace sembed::engine
