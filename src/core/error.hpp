// The one error type of sembed. Every failure a user can cause (bad files, bad input, bad
// options) is thrown as sembed::Error with a message that names the file, field or input at
// fault. The CLI prints it and exits non-zero; the server answers 4xx with it as JSON.
#pragma once

#include <sembed/error.hpp>
