"""The stakeholder map: who the dialogue is for, and how the population is grouped."""
