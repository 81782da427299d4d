/*
 * catalog_ddl.c - lake-catalog's ddl verbs (see catalog_verbs.h).
 */
#include "catalog_verbs.h"

const struct catalog_verb catalog_ddl_verbs[] = {
    {NULL, NULL, NULL},
};
const size_t catalog_ddl_nverbs = 0;
