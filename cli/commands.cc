#include "cli/commands.h"

namespace mjhybrid::cli {

std::set<std::string> GivenOptions(const CLI::App* command, std::initializer_list<const char*> names) {
  std::set<std::string> given;
  for (const char* name : names) {
    if (command->count(std::string("--") + name)) given.insert(name);
  }
  return given;
}

}  // namespace mjhybrid::cli
