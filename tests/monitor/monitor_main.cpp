#define BOOST_TEST_MODULE cistern monitor
#include <boost/test/unit_test.hpp>
