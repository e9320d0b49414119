# Writes a C file holding every templates/*.json as a string, so scribblectl
# is one binary with its policy documents inside. Run by CMake at build time:
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -P embed-templates.cmake
file(GLOB templates RELATIVE ${SOURCE_DIR}/templates ${SOURCE_DIR}/templates/*.json)
list(SORT templates)
set(body "/* Generated from templates/ by scripts/embed-templates.cmake. */\n#include <stddef.h>\n\n")
string(APPEND body "const struct embedded_template { const char *name; const char *text; } embedded_templates[] = {\n")
foreach(name IN LISTS templates)
  file(READ ${SOURCE_DIR}/templates/${name} text HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${text}")
  string(APPEND body "    {\"${name}\", \"${escaped}\"},\n")
endforeach()
string(APPEND body "    {NULL, NULL},\n};\n")
file(WRITE ${OUTPUT}.tmp "${body}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
