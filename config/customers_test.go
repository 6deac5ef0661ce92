package config

import (
	"strings"
	"testing"
)

func TestCustomersKeys(t *testing.T) {
	c, err := load(t, "log_level: info\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.CustomerCountry() != "86" {
		t.Errorf("default country %q", c.CustomerCountry())
	}
	c, err = load(t, "customers: {default_country: \"1\"}\n")
	if err != nil || c.CustomerCountry() != "1" {
		t.Fatalf("country %q, %v", c.CustomerCountry(), err)
	}
}

func TestCustomersInvalid(t *testing.T) {
	for _, v := range []string{"\"+86\"", "\"0086\"", "china", "\"0\""} {
		_, err := load(t, "log_level: info\ncustomers:\n  default_country: "+v+"\n")
		if err == nil || !strings.Contains(err.Error(), "hotline.yaml:3: customers.default_country") {
			t.Errorf("%s: %v", v, err)
		}
	}
}
