/*-------------------------------------------------------------------------
 *
 * flowcomm.c
 *	  Module entry point of the flowcomm extension.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
