#define BOOST_TEST_MODULE cistern monitor stress
#include <boost/test/unit_test.hpp>
