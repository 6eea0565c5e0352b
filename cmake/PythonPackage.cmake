# What `pip install .` puts into the wheel (scikit-build-core runs this configure with SKBUILD
# set; pyproject.toml). The wheel's `mjhybrid` package folder holds:
#   lib/      libmjhybrid.so and libmjhybrid_torch.so (mjhybrid.load_plugin() loads the first)
#   bin/      the mjhybrid command line (the `mjhybrid` script on PATH runs it)
#   scenes/, models/  the shipped scenes and models; the folder is the plugin's root for
#             relative model paths, because lib/'s parent holds models/ (docs/INSTALL.md)
# The libraries find MuJoCo and LibTorch inside the pinned mujoco and torch wheels installed
# beside this one, through RPATHs relative to their own location: site-packages/mjhybrid/lib
# -> site-packages/mujoco and site-packages/torch/lib.
set(_site "$ORIGIN/../..")
set_target_properties(mjhybrid PROPERTIES INSTALL_RPATH "${_site}/mujoco")
install(TARGETS mjhybrid LIBRARY DESTINATION mjhybrid/lib)
if(MJHYBRID_TORCH)
  set_target_properties(mjhybrid_torch PROPERTIES
    INSTALL_RPATH "$ORIGIN:${_site}/mujoco:${_site}/torch/lib")
  set_target_properties(mjhybrid_cli PROPERTIES
    INSTALL_RPATH "$ORIGIN/../lib:${_site}/mujoco:${_site}/torch/lib")
  install(TARGETS mjhybrid_torch LIBRARY DESTINATION mjhybrid/lib)
  install(TARGETS mjhybrid_cli RUNTIME DESTINATION mjhybrid/bin)
endif()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/scenes" "${PROJECT_SOURCE_DIR}/models"
        DESTINATION mjhybrid
        PATTERN "README.md" EXCLUDE)
# the plot scripts the CLI runs after study and transfer (scene/run_files.h)
install(FILES "${PROJECT_SOURCE_DIR}/scripts/study_plots.py" "${PROJECT_SOURCE_DIR}/scripts/transfer_plots.py"
        DESTINATION mjhybrid/scripts)
