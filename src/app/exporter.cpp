// Placeholder until the server lands.
#include "app/exporter.hpp"

namespace pvex::app {
int run(int, char**) { return 0; }
}  // namespace pvex::app
