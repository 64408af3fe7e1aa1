// See int8_calibration.hpp. The texts mix what embedding models are given: short captions and
// questions, search queries, a few longer passages, numbers, code and other languages, so the
// channels that carry large values on any of them are seen. Written for this project.
#include "engine/int8_calibration.hpp"

#include <string_view>

namespace sembed {
namespace {

constexpr std::string_view kTexts[] = {
    "A man is playing a guitar on the street.",
    "Two dogs are running through a field of tall grass.",
    "The stock market fell sharply after the announcement.",
    "How do I reset the password of my online bank account?",
    "best pizza near the train station open late",
    "She poured the coffee and read the letter twice before answering.",
    "The committee will publish its final report on 14 March 2025.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Is it safe to take ibuprofen together with paracetamol?",
    "A child in a red coat is sliding down a snowy hill.",
    "The new phone has a 6.1-inch screen, 128 GB of storage and costs $799.",
    "def add(a, b):\n    return a + b",
    "Error 404: the page you requested could not be found.",
    "Der Zug nach Berlin hat heute zwanzig Minuten Verspätung.",
    "El gato duerme en el sofá mientras llueve afuera.",
    "Le musée ouvre ses portes à neuf heures du matin.",
    "東京は日本の首都であり、世界有数の大都市です。",
    "Ein Mann fährt mit dem Fahrrad durch die Stadt.",
    "What is the difference between a virus and a bacterium?",
    "The recipe calls for two cups of flour, one egg and a pinch of salt.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!!!",
    "Terms and conditions apply; see section 4.2(b) for details.",
    "In 1969 the first humans landed on the Moon, and millions watched it live on television. "
    "The mission took eight days, and the astronauts brought back rocks that scientists still "
    "study today to learn how the Moon formed.",
    "Customers who bought this item also bought a charging cable, a protective case and a screen "
    "protector. Delivery usually takes three to five working days, and returns are free within "
    "thirty days of purchase if the product is unused and in its original packaging.",
    "The patient reported mild headaches over the past two weeks, mostly in the evening, with no "
    "fever, nausea or changes in vision. Blood pressure was 128/84 and the neurological "
    "examination was normal.",
    "To install the package, run pip install followed by its name, then import it in Python and "
    "call the encode function with a list of sentences; the result is a matrix with one row per "
    "sentence.",
    "ok",
    "yes, thank you very much :)",
    "Why does ice float on water?",
    "A woman is slicing an onion in the kitchen.",
    "The river overflowed its banks after three days of heavy rain.",
    "Quarterly revenue grew 12% year over year, driven by cloud services.",
    // Headlines, titles and keyword queries end without punctuation; a sequence's last word
    // before the closing special token drives some channels far beyond what a full stop does
    // (measured: all-mpnet-base-v2's int8 cosine to fp32 on such a headline was 0.956 before
    // these were added, 0.998 after).
    "Storm leaves thousands without power across the region",
    "Central bank raises interest rates for the third time this year",
    "Rescue teams search for missing hikers in the mountains",
    "Local team wins championship after dramatic penalty shootout",
    "Government announces new plan to cut carbon emissions by 2030",
    "Three injured in highway crash near the airport",
    "cheap flights from london to rome in may",
    "how to cook rice without a rice cooker",
    "symptoms of vitamin d deficiency",
    "Chapter 3 Results and Discussion",
    "A brief history of the printing press",
    "Two women walking on the beach with their dogs",
};

}  // namespace

model::PackedBatch int8_calibration_batch(const tokenizer::Tokenizer& tokenizer,
                                          size_t max_length) {
  model::PackedBatch batch;
  batch.seq_offsets.assign(1, 0);
  tokenizer::EncodeOptions options;
  options.max_length = max_length;
  for (std::string_view text : kTexts) {
    const tokenizer::Encoding e = tokenizer.encode(text, options);
    for (size_t t = 0; t < e.ids.size(); ++t) {
      if (!e.attention_mask.empty() && e.attention_mask[t] == 0) continue;  // padding
      batch.ids.push_back(e.ids[t]);
      batch.type_ids.push_back(e.type_ids.empty() ? 0 : e.type_ids[t]);
    }
    batch.seq_offsets.push_back(batch.ids.size());
  }
  return batch;
}

}  // namespace sembed
