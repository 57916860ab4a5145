#include "ruleset/load_error.h"

namespace aiswatch::ruleset {

std::string LoadError::to_string() const {
  std::string text = file;
  if (line != 0) {
    text += ':';
    text += std::to_string(line);
  }
  text += ": ";
  if (!where.empty()) {
    text += where;
    text += ": ";
  }
  text += message;
  return text;
}

}  // namespace aiswatch::ruleset
