#pragma once
#include <libpq-fe.h>

// Swift does not import character-literal macros such as PG_DIAG_SQLSTATE ('C').
static const int CLIBPQ_DIAG_SQLSTATE = 'C';
static const int CLIBPQ_DIAG_MESSAGE_PRIMARY = 'M';
static const int CLIBPQ_DIAG_MESSAGE_DETAIL = 'D';
static const int CLIBPQ_DIAG_CONSTRAINT_NAME = 'n';
