#include "alert/json_lines.h"

#include <google/protobuf/util/json_util.h>

namespace aiswatch::alert {

std::optional<std::string> to_json_line(const aiswatch::v1::Alert& alert) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  options.preserve_proto_field_names = true;
  std::string line;
  if (!google::protobuf::util::MessageToJsonString(alert, &line, options).ok()) return std::nullopt;
  line += '\n';
  return line;
}

void JsonLinesSink::on_alert(const aiswatch::v1::Alert& alert) {
  if (auto line = to_json_line(alert)) {
    out_ << *line;
    ++written_;
  } else {
    ++failed_;
  }
}

}  // namespace aiswatch::alert
