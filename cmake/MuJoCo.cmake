# Finds the MuJoCo C library and headers shipped inside the PyPI `mujoco` wheel and makes an
# IMPORTED target `mujoco::mujoco`. The plugin must link the very libmujoco.so that Python
# loads, or registration lands in a second plugin table; so we take the wheel's copy, keep its
# SONAME, and put its folder on the RPATH of everything we build.
#
#   -DMUJOCO_ROOT=DIR   a folder holding libmujoco.so.* and include/mujoco/ (overrides Python)

set(MJHYBRID_MUJOCO_VERSION "3.14.0" CACHE STRING "MuJoCo version this tree is written for")

if(NOT MUJOCO_ROOT)
  execute_process(
    COMMAND "${Python3_EXECUTABLE}" -c "import mujoco, os; print(os.path.dirname(mujoco.__file__))"
    OUTPUT_VARIABLE _mj_root OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _mj_rc ERROR_QUIET)
  if(NOT _mj_rc EQUAL 0)
    message(FATAL_ERROR "MuJoCo not found: `${Python3_EXECUTABLE} -c 'import mujoco'` failed. "
                        "Run scripts/setup.sh, or pass -DMUJOCO_ROOT=<dir with libmujoco.so.*>.")
  endif()
  set(MUJOCO_ROOT "${_mj_root}" CACHE PATH "Folder with libmujoco.so.* and include/mujoco")
endif()

file(GLOB _mj_libs "${MUJOCO_ROOT}/libmujoco.so.*" "${MUJOCO_ROOT}/lib/libmujoco.so.*")
list(SORT _mj_libs)
if(NOT _mj_libs)
  message(FATAL_ERROR "No libmujoco.so.* in ${MUJOCO_ROOT} (set -DMUJOCO_ROOT=...)")
endif()
list(GET _mj_libs 0 MUJOCO_LIBRARY)
get_filename_component(MUJOCO_LIBRARY_DIR "${MUJOCO_LIBRARY}" DIRECTORY)
set(MUJOCO_INCLUDE_DIR "${MUJOCO_ROOT}/include")
if(NOT EXISTS "${MUJOCO_INCLUDE_DIR}/mujoco/mujoco.h")
  message(FATAL_ERROR "No include/mujoco/mujoco.h under ${MUJOCO_ROOT}")
endif()

# the SONAME is what the dynamic loader matches against the copy Python already loaded
find_program(READELF_EXECUTABLE readelf REQUIRED)
execute_process(COMMAND "${READELF_EXECUTABLE}" -d "${MUJOCO_LIBRARY}"
                OUTPUT_VARIABLE _mj_dyn)
string(REGEX MATCH "Library soname: \\[([^]]+)\\]" _ "${_mj_dyn}")
set(MUJOCO_SONAME "${CMAKE_MATCH_1}")
if(NOT MUJOCO_SONAME STREQUAL "libmujoco.so.${MJHYBRID_MUJOCO_VERSION}")
  message(FATAL_ERROR "${MUJOCO_LIBRARY} has SONAME '${MUJOCO_SONAME}', expected "
                      "libmujoco.so.${MJHYBRID_MUJOCO_VERSION}: install mujoco==${MJHYBRID_MUJOCO_VERSION}")
endif()

add_library(mujoco::mujoco SHARED IMPORTED GLOBAL)
set_target_properties(mujoco::mujoco PROPERTIES
  IMPORTED_LOCATION "${MUJOCO_LIBRARY}"
  IMPORTED_SONAME "${MUJOCO_SONAME}"
  INTERFACE_INCLUDE_DIRECTORIES "${MUJOCO_INCLUDE_DIR}")
