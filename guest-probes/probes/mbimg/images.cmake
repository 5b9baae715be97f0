# The mbimg probe's image variants (probe.toml [[variant]]): its ELF changed
# in one place each by mkimages.py, into build/guest-probes/mbimg/.
set(MBIMG_DIR ${CMAKE_CURRENT_LIST_DIR})
add_custom_command(
    OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/mbimg/stamp
    COMMAND ${MBIMG_DIR}/mkimages.py ${MBIMG_DIR}/probe.toml $<TARGET_FILE:probe_mbimg>
            ${CMAKE_CURRENT_BINARY_DIR}/mbimg
    DEPENDS ${MBIMG_DIR}/mkimages.py ${MBIMG_DIR}/probe.toml probe_mbimg
    COMMENT "mbimg: the root image variants")
add_custom_target(mbimg_images ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/mbimg/stamp)
