/*-------------------------------------------------------------------------
 *
 * webhook.h
 *	  Backend-side declarations of the webhook and payment-link modules:
 *	  their configuration parameters and the bridge from the PostgreSQL-free
 *	  core (webhook_core.h) to palloc and ereport.
 *
 * src/webhook.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_WEBHOOK_H
#define FLOWCOMM_WEBHOOK_H

#include "webhook_core.h"

/* GUCs, defined by flowcomm_webhook_guc_init() (webhook_sendgrid.c) */
extern char *flowcomm_sendgrid_public_key;
extern int	flowcomm_webhook_max_age;
extern char *flowcomm_webhook_base_url;
extern char *flowcomm_payment_base_url;
extern int	flowcomm_payment_key_grace;

/* Called from _PG_init */
extern void flowcomm_webhook_guc_init(void);

/* The core's allocator backed by palloc in CurrentMemoryContext */
extern const FcAllocator *flowcomm_core_allocator(void);

#endif							/* FLOWCOMM_WEBHOOK_H */
