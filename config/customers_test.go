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

func TestAgentChatCapacity(t *testing.T) {
	c, err := load(t, "agents:\n  - {id: a, password: x, chat_capacity: 5}\n  - {id: b, password: y}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Agents[0].ChatCapacity == nil || *c.Agents[0].ChatCapacity != 5 || c.Agents[1].ChatCapacity != nil {
		t.Fatalf("capacities %+v", c.Agents)
	}
	if _, err := load(t, "log_level: info\nagents:\n  - {id: a, password: x, chat_capacity: 99}\n"); err == nil || !strings.Contains(err.Error(), "hotline.yaml:3: agent \"a\": chat_capacity 99") {
		t.Fatalf("err = %v", err)
	}
}

func TestCustomersVIPAndBotContext(t *testing.T) {
	c, err := load(t, "customers: {vip_tag: vip}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Customers.VIPTag != "vip" || c.Customers.VIPPriorityValue() != DefaultVIPPriority || !c.Customers.BotContextOn() {
		t.Fatalf("customers %+v", c.Customers)
	}
	if c, err = load(t, "customers: {vip_priority: 80, bot_context: false}\n"); err != nil || c.Customers.VIPPriorityValue() != 80 || c.Customers.BotContextOn() {
		t.Fatalf("customers %+v, %v", c.Customers, err)
	}
	if _, err := load(t, "log_level: info\ncustomers:\n  vip_priority: 101\n"); err == nil || !strings.Contains(err.Error(), "vip_priority 101") {
		t.Fatalf("err = %v", err)
	}
}
